console.log("kakehashi: not yet implemented");
