// twitter-text ships no types for its per-function ESM modules; this is the one the client uses.
declare module "twitter-text/dist/esm/extractUrlsWithIndices" {
  interface FoundUrl {
    url: string;
    /** UTF-16 offsets into the text (the JS build's own; the Python port's are code points). */
    indices: [number, number];
  }
  export default function extractUrlsWithIndices(text: string, options?: { extractUrlsWithoutProtocol?: boolean }): FoundUrl[];
}
