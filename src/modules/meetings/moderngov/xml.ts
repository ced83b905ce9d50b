/**
 * A small, strict XML reader for ModernGov's web service: elements, attributes, text, CDATA,
 * comments and the five predefined entities plus numeric references. It refuses anything not
 * well-formed (unclosed or mismatched tags, stray `<`, unknown entities, DOCTYPE) with the
 * line where it went wrong, because an import must change nothing when a response is broken.
 * No DTDs means no entity expansion attacks.
 */

export type XmlElement = {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (its children's text is not included). */
  text: string;
};

export class XmlError extends Error {
  readonly kind = 'malformed';
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string, lineOf: () => number): string {
  return text.replace(/&([^;\s&<]{0,12});|&/gu, (match, body: string | undefined) => {
    if (body === undefined) throw new XmlError(`Line ${lineOf()}: a bare "&" that is not an entity`);
    const n = named[body];
    if (n !== undefined) return n;
    const num = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/u.exec(body);
    if (num) {
      const code = num[1]!.startsWith('x') ? parseInt(num[1]!.slice(1), 16) : parseInt(num[1]!, 10);
      if (code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new XmlError(`Line ${lineOf()}: unknown entity ${match}`);
  });
}

const namePattern = /^[A-Za-z_][\w.-]*(?::[\w.-]+)?/u;

/**
 * Parses a whole document and returns its root element.
 * @example parseXml('<a x="1"><b>hi &amp; bye</b></a>').children[0]?.text // 'hi & bye'
 */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const lineOf = () => source.slice(0, i).split('\n').length;
  const fail = (what: string): never => {
    throw new XmlError(`Line ${lineOf()}: ${what}`);
  };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  if (source.charCodeAt(0) === 0xfeff) i = 1;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt === -1 ? source.length : lt;
    if (textEnd > i) {
      const raw = source.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, lineOf);
      else if (raw.trim()) fail('text outside the root element');
      i = textEnd;
      continue;
    }
    if (source.startsWith('<?', i)) {
      const end = source.indexOf('?>', i);
      if (end === -1) fail('an unterminated <? ... ?>');
      i = end + 2;
    } else if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i);
      if (end === -1) fail('an unterminated comment');
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', i)) {
      const end = source.indexOf(']]>', i);
      if (end === -1) fail('an unterminated CDATA section');
      const top = stack[stack.length - 1] ?? fail('CDATA outside the root element');
      top.text += source.slice(i + 9, end);
      i = end + 3;
    } else if (source.startsWith('<!', i)) {
      fail('a DOCTYPE or declaration, which this reader refuses');
    } else if (source.startsWith('</', i)) {
      const end = source.indexOf('>', i);
      if (end === -1) fail('an unterminated end tag');
      const name = source.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open) fail(`an end tag </${name}> with no element open`);
      else if (open.name !== name) fail(`</${name}> where </${open.name}> was expected`);
      i = end + 1;
    } else {
      i += 1;
      const nameMatch = namePattern.exec(source.slice(i, i + 200));
      if (!nameMatch) fail('a "<" that does not start a tag');
      const element: XmlElement = { name: nameMatch![0], attributes: {}, children: [], text: '' };
      i += nameMatch![0].length;
      for (;;) {
        const ws = /^\s*/u.exec(source.slice(i, i + 1000))![0];
        i += ws.length;
        if (source.startsWith('/>', i) || source.startsWith('>', i)) break;
        if (!ws) fail(`a malformed start tag <${element.name}>`);
        const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/u.exec(source.slice(i, i + 10_000));
        if (!attr) fail(`a malformed attribute in <${element.name}>`);
        if (attr![1]! in element.attributes) fail(`a repeated attribute ${attr![1]}`);
        element.attributes[attr![1]!] = decodeEntities(attr![3] ?? attr![4] ?? '', lineOf);
        i += attr![0].length;
        if (i >= source.length) fail(`an unterminated start tag <${element.name}>`);
      }
      const isEmpty = source.startsWith('/>', i);
      i += isEmpty ? 2 : 1;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('a second root element');
      else root = element;
      if (!isEmpty) stack.push(element);
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new XmlError('The response is empty: no XML element at all');
  return root;
}

/** The first child element with this name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Every child element with this name. */
export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** A child's text, trimmed; '' when absent. */
export function textOf(el: XmlElement, name: string): string {
  return child(el, name)?.text.trim() ?? '';
}
