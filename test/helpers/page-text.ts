// What a person reads on an HTML page: its text without tags, with the entities the gateway's
// pages escape turned back, so that tests assert on what is shown rather than on markup.

/** The text of an HTML page without its tags, for reading what a person sees. */
export const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
