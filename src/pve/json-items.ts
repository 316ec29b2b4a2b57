/**
 * The items of a PVE answer's `data` array (`{"data":[…]}`), parsed as the answer streams in. A
 * storage content listing of 30,000 archives is 6 MB of JSON: read whole, it exists as bytes, as
 * one string and as an array of 30,000 objects before the first item is looked at. Here the text
 * is decoded piece by piece and its items are handed on as each piece comes in, so only a piece of
 * text and its items exist at a time besides what the caller keeps.
 *
 * `JSON.parse` does the parsing. Between the items of the array (which PVE writes compactly, as
 * `…},{…`), each piece is cut after its last `},{` and everything before the cut is parsed as one
 * batch of items: if that text parses as a list of values, the cut was between two items (a cut
 * inside a string or a nested value leaves it unterminated or unbalanced). Should a batch not
 * parse, a scanner that follows strings and nesting finds the items one by one from there on; it
 * also reads the answer object around the array. Malformed text throws a SyntaxError.
 *
 * What is kept between pieces is one unfinished item (or string): past `MAX_ITEM_CHARS` the parser
 * throws an `AnswerTooLargeError` rather than wait for its end.
 */
import { StringDecoder } from "node:string_decoder";
import { AnswerTooLargeError } from "./transport.js";

/**
 * Longest item (or other unfinished value) kept while its end is awaited, in characters. The items
 * read this way are storage content rows (~200 characters; notes from a template of at most 1,024,
 * reference §3) and task log lines (one line of vzdump's output): 1 MiB is hundreds of times that.
 */
export const MAX_ITEM_CHARS = 1024 * 1024;

export interface DataItemParser {
  /** The next piece of the answer's UTF-8 bytes (any split, even inside a character). */
  write(piece: Buffer): void;
  /** The answer is complete: throws unless it was one object with a `data` array. */
  end(): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

export function createDataItemParser(onItem: (item: unknown) => void): DataItemParser {
  const decoder = new StringDecoder("utf8");
  /** Text not yet consumed: from the current item's start, or from the next character to scan. */
  let text = "";
  /** Next index of `text` to scan. */
  let pos = 0;
  /** Closing brackets of the open objects and arrays; the answer object is depth 1. */
  const closers: number[] = [];
  /** The last string closed at depth 1: the key, when an array value follows it. */
  let lastKey = "";
  let inData = false;
  let sawData = false;
  /** Start of the current item of the `data` array in `text`, -1 between items. */
  let itemStart = -1;
  /** After a comma between items: another item must follow. */
  let itemDue = false;
  let done = false;
  /** Batches cut at `},{` are parsed (see above), until one does not parse. */
  let batches = true;

  const malformed = (what: string) => new SyntaxError(`malformed answer: ${what}`);

  /** The index of the quote that closes the string opening at `open`, or -1 if not in yet. */
  const closingQuote = (s: string, open: number): number => {
    let at = open;
    for (;;) {
      at = s.indexOf('"', at + 1);
      if (at < 0) return -1;
      let backslashes = 0;
      while (s.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return at;
    }
  };

  const scan = () => {
    // This loop sees every character outside strings: its state lives in locals while it runs.
    const s = text;
    const n = s.length;
    let i = pos;
    let depth = closers.length;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        if (depth === 0) throw malformed(done ? "text after the answer object" : "not an object");
        if (depth === 2 && inData && itemStart < 0) {
          itemStart = i;
          itemDue = false;
        }
        const close = closingQuote(s, i);
        if (close < 0) break; // the rest of the string is still to come
        if (depth === 1) lastKey = s.slice(i + 1, close);
        i = close;
        continue;
      }
      if (depth >= 3) {
        // Inside an item (or a deeper value): only strings and brackets matter.
        if (c === OPEN_OBJECT || c === OPEN_ARRAY)
          depth = closers.push(c + 2); // `{`→`}`, `[`→`]`
        else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (closers.pop() !== c) throw malformed("unbalanced brackets");
          depth--;
        }
        continue;
      }
      if (c === SPACE || c === TAB || c === LF || c === CR) continue;
      if (depth === 2 && inData && itemStart < 0 && c !== CLOSE_ARRAY && c !== COMMA) {
        itemStart = i;
        itemDue = false;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (done) throw malformed("text after the answer object");
        if (depth === 0 && c !== OPEN_OBJECT) throw malformed("not an object");
        depth = closers.push(c + 2);
        if (depth === 2 && c === OPEN_ARRAY && lastKey === "data" && !sawData) {
          inData = true;
          sawData = true;
          if (batches) {
            pos = i + 1; // the items are parsed in batches from here
            return;
          }
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (closers.pop() !== c) throw malformed("unbalanced brackets");
        if (depth === 2 && inData) {
          if (itemStart >= 0) emitItem(s, i);
          else if (itemDue) throw malformed("missing item");
          inData = false;
        }
        depth--;
        if (depth === 0) done = true;
      } else if (depth === 2 && inData && c === COMMA) {
        if (itemStart < 0) throw malformed("missing item");
        emitItem(s, i);
        itemDue = true;
      } else if (depth === 0) {
        throw malformed(done ? "text after the answer object" : "not an object");
      }
    }
    pos = i;
  };

  const emitItem = (s: string, end: number) => {
    const start = itemStart;
    itemStart = -1;
    onItem(JSON.parse(s.slice(start, end)));
  };

  /** Parses the items up to the last `},{` of `text` as one batch; off for good if it fails. */
  const batch = () => {
    const cut = text.lastIndexOf("},{");
    if (cut < pos) return;
    let items: unknown[];
    try {
      items = JSON.parse(`[${text.slice(pos, cut + 1)}]`) as unknown[];
    } catch {
      batches = false; // a `},{` in a string, or malformed: the scanner takes over here
      return;
    }
    pos = cut + 2;
    itemDue = true;
    for (const item of items) onItem(item);
  };

  const take = (piece: string, last: boolean) => {
    text = text.length === 0 ? piece : text + piece;
    if (!inData || !batches) scan();
    if (inData && batches) {
      batch();
      // The last items, and the answer object after the array, are the scanner's.
      if (last || !batches) scan();
    }
    // Keep only what a later piece still needs: the current item, or an unfinished string.
    const keep = itemStart >= 0 ? itemStart : Math.min(pos, text.length);
    if (keep > 0) {
      text = text.slice(keep);
      pos -= keep;
      if (itemStart >= 0) itemStart -= keep;
    }
    if (text.length > MAX_ITEM_CHARS) throw new AnswerTooLargeError(MAX_ITEM_CHARS, "an item of the answer");
  };

  return {
    write(piece) {
      take(decoder.write(piece), false);
    },
    end() {
      take(decoder.end(), true);
      if (!done || pos < text.length) throw malformed("incomplete answer");
      if (!sawData) throw malformed("no data array");
    },
  };
}
