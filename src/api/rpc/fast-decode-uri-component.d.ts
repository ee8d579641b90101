/** The package ships no types: it decodes one URI component, or returns null when the text is not valid. */
declare module 'fast-decode-uri-component' {
  export default function decodeUriComponent(text: string): string | null;
}
