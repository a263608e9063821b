/** A parsed XML element: enough structure to check an SVG's well-formedness and read its attributes. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][\w.:-]*/;
const ENTITY = /&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

function decode(raw: string, where: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '<') throw new Error(`xml: raw '<' in text or attribute near ${where + i}`);
    if (raw[i] !== '&') {
      out += raw[i];
      continue;
    }
    ENTITY.lastIndex = i;
    const m = ENTITY.exec(raw);
    if (!m) throw new Error(`xml: bad entity near ${where + i}`);
    const e = m[1];
    out += e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    i += m[0].length - 1;
  }
  return out;
}

/** A strict little XML parser: one root, balanced tags, quoted unique attributes, known entities only. Throws on any violation. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i])) i++;
  };
  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) throw new Error('xml: unterminated prolog');
    i = end + 2;
  }
  while (i < source.length) {
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      if (end < 0) throw new Error('xml: unterminated comment');
      i = end + 3;
      continue;
    }
    if (source.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(source.slice(i));
      if (!m) throw new Error(`xml: bad closing tag at ${i}`);
      i += m[0].length;
      skipSpace();
      if (source[i] !== '>') throw new Error(`xml: closing tag </${m[0]} not terminated`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== m[0]) throw new Error(`xml: </${m[0]}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    if (source[i] === '<') {
      i++;
      const m = NAME.exec(source.slice(i));
      if (!m) throw new Error(`xml: bad tag name at ${i}`);
      i += m[0].length;
      const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
      for (;;) {
        skipSpace();
        if (source.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (source[i] === '>') {
          i++;
          stack.push(el);
          break;
        }
        const a = NAME.exec(source.slice(i));
        if (!a) throw new Error(`xml: bad attribute in <${el.name}> at ${i}`);
        i += a[0].length;
        skipSpace();
        if (source[i] !== '=') throw new Error(`xml: attribute ${a[0]} has no value`);
        i++;
        skipSpace();
        const q = source[i];
        if (q !== '"' && q !== "'") throw new Error(`xml: attribute ${a[0]} is not quoted`);
        const end = source.indexOf(q, i + 1);
        if (end < 0) throw new Error(`xml: attribute ${a[0]} is not terminated`);
        if (a[0] in el.attrs) throw new Error(`xml: duplicate attribute ${a[0]} in <${el.name}>`);
        el.attrs[a[0]] = decode(source.slice(i + 1, end), i + 1);
        i = end + 1;
      }
      const parent = stack.length > (stack.at(-1) === el ? 1 : 0) ? stack[stack.length - (stack.at(-1) === el ? 2 : 1)] : undefined;
      if (parent) parent.children.push(el);
      else if (root) throw new Error('xml: more than one root element');
      else root = el;
      continue;
    }
    const next = source.indexOf('<', i);
    const end = next < 0 ? source.length : next;
    const text = source.slice(i, end);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error('xml: text outside the root element');
    } else {
      stack[stack.length - 1].text += decode(text, i);
    }
    i = end;
  }
  if (stack.length) throw new Error(`xml: <${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('xml: no root element');
  return root;
}

/** Every element in document order. */
export function walk(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(walk)];
}
