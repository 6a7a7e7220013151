const DATA_URL_PREFIX = /^data:[^,]*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The bare base64 text miibo's `base64_image` expects: a `data:…;base64,` prefix is stripped,
 * whitespace (MIME line breaks) removed, and bytes are encoded. Returns undefined when the text is
 * not base64.
 */
export function toBareBase64(image: string | Uint8Array): string | undefined {
  if (image instanceof Uint8Array)
    return image.byteLength > 0
      ? Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('base64')
      : undefined;
  const bare = image.trim().replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  return bare.length > 0 && bare.length % 4 !== 1 && BASE64.test(bare) ? bare : undefined;
}
