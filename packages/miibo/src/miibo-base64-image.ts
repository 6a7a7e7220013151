const DATA_URL_PREFIX = /^data:[^,]*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Standard base64 of bytes with `btoa`, which every runtime has (no `Buffer` in browsers or Workers). */
function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, bytes.length)));
  return btoa(binary);
}

/**
 * The bare base64 text miibo's `base64_image` expects: a `data:…;base64,` prefix is stripped,
 * whitespace (MIME line breaks) removed, and bytes are encoded. Returns undefined when the text is
 * not base64.
 */
export function toBareBase64(image: string | Uint8Array): string | undefined {
  if (image instanceof Uint8Array) return image.byteLength > 0 ? base64Of(image) : undefined;
  const bare = image.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  return bare.length > 0 && bare.length % 4 !== 1 && BASE64.test(bare) ? bare : undefined;
}
