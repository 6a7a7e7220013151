console.log("kakehashi-server: not yet implemented");
