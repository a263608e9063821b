"""Writes the numpy-made fixtures for packages/node/test/npy-numpy.test.ts; run from this folder:

    python3 generate.py        # needs numpy; output is deterministic (fixed seed), commit it

files/*.npy     arrays written by numpy itself (np.save / write_array), listed in manifest.json with the
                dtype, shape and C-order little-endian bytes numpy reads back from them.
corpus.json     .npy headers (hand-made edge cases and seeded random mutations of numpy's own header),
                each with numpy's verdict: what np.load returns for it, or that it refuses it.
"""
import io
import json
import os
import random
import struct
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, 'files')
PAYLOAD = bytes((i * 37 + 11) % 256 for i in range(96))  # data section after every corpus header

warnings.simplefilter('ignore')


def canonical(a):
    """What the reader must return: C order, little-endian, bool as 0/1 bytes."""
    if a.dtype == np.bool_:
        a = a.astype('u1')
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<'))).tobytes().hex()


def verdict(data):
    try:
        a = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as e:  # numpy refuses the file: any exception counts
        return {'ok': False, 'error': f'{type(e).__name__}: {str(e).splitlines()[0][:60]}'}
    if not isinstance(a, np.ndarray):
        return {'ok': False, 'error': f'not an array: {type(a).__name__}'}
    return {'ok': True, 'dtype': a.dtype.str, 'shape': list(a.shape), 'data': canonical(a) if a.dtype.kind in 'fiub' else None}


def npy(header, version=(1, 0), payload=PAYLOAD):
    raw = header if isinstance(header, bytes) else header.encode('latin1' if version[0] < 3 else 'utf8')
    fmt = '<H' if version[0] == 1 else '<I'
    return b'\x93NUMPY' + bytes(version) + struct.pack(fmt, len(raw)) + raw + payload


def save(name, array, version=None):
    path = os.path.join(FILES, name)
    with open(path, 'wb') as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    with open(path, 'rb') as f:
        back = np.load(f)
    return {'file': name, 'dtype': back.dtype.str, 'shape': list(back.shape), 'data': canonical(back)}


def real_files():
    os.makedirs(FILES, exist_ok=True)
    rs = np.random.RandomState(7)
    bools = np.frombuffer(bytes([0, 1, 2, 255, 0, 7]), dtype=np.bool_).reshape(2, 3)  # nonzero bytes other than 1
    out = [
        save('f4-2x3.npy', np.array([[1.5, -2.25, 3.0], [0.0, -0.0, 1e-30]], dtype='<f4')),
        save('f8-3x4.npy', rs.randn(3, 4) * 1e3),
        save('f8-subnormal.npy', np.array([5e-324, -2.2e-308, np.pi, 1e300])),
        save('i4-5.npy', np.array([0, -1, 2147483647, -2147483648, 7], dtype='<i4')),
        save('i8-4.npy', np.array([0, -1, 2**62, -(2**53) + 1], dtype='<i8')),
        save('u1-6.npy', np.arange(250, 256, dtype='u1')),
        save('b1-2x3.npy', bools),
        save('f8-scalar.npy', np.array(2.5)),
        save('f4-empty-0x5.npy', np.zeros((0, 5), dtype='<f4')),
        save('f4-2x3x4.npy', rs.randn(2, 3, 4).astype('<f4')),
        save('f4-fortran-3x4.npy', np.asfortranarray(rs.randn(3, 4).astype('<f4'))),
        save('f8-fortran-2x3x4.npy', np.asfortranarray(rs.randn(2, 3, 4))),
        save('f4-fortran-1d.npy', np.asfortranarray(np.arange(5, dtype='<f4'))),
        save('f8-big-endian.npy', np.array([[1.0, -2.5], [3.25, 1e-300]], dtype='>f8')),
        save('i4-big-endian.npy', np.array([1, -2, 65536], dtype='>i4')),
        save('f4-v2.npy', rs.randn(4, 3).astype('<f4'), version=(2, 0)),
        save('f4-v3.npy', rs.randn(4, 3).astype('<f4'), version=(3, 0)),
        save('f8-beyond-f32.npy', np.array([[1.0, 2.0, 3.0], [4.0, -1e39, 6.0]])),
        save('f8-logits-6x3.npy', np.array([[2.5, -1, 0.25], [0, 0, 0], [1, 2, 3], [-3, 1.5, 2], [9, -9, 0.5], [1, 1, 1]])),
    ]
    # Files numpy writes but tstar does not read (other dtypes): tests expect E_DTYPE, not wrong data.
    out += [
        dict(save('f2-2.npy', np.array([1, 2], dtype='<f2')), unsupported=True),
        dict(save('i2-2.npy', np.array([1, 2], dtype='<i2')), unsupported=True),
        dict(save('c8-2.npy', np.array([1, 2j], dtype='<c8')), unsupported=True),
        dict(save('U3-2.npy', np.array(['ab', 'cde'])), unsupported=True),
    ]
    return out


BASE = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"


def padded(d, version=(1, 0)):
    """numpy's own padding: spaces and a newline up to a multiple of 64 bytes."""
    pre = 10 if version[0] == 1 else 12
    total = -(-(pre + len(d.encode('latin1' if version[0] < 3 else 'utf8')) + 1) // 64) * 64
    return d + ' ' * (total - pre - len(d.encode('latin1' if version[0] < 3 else 'utf8')) - 1) + '\n'


def hand_made():
    def h(descr="'<f4'", fortran='False', shape='(2, 3)', extra=''):
        return "{'descr': %s, 'fortran_order': %s, 'shape': %s, %s}" % (descr, fortran, shape, extra)

    cases = {
        'numpy default': padded(BASE),
        'no trailing comma or padding': "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
        'keys reordered, 16-byte padding': "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}      \n",
        'double quotes': '{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}\n',
        'duplicate descr, last differs': "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }\n",
        'duplicate descr, same value': h(extra="'descr': '<f4'") + '\n',
        'duplicate shape': "{'descr': '<f4', 'fortran_order': False, 'shape': (9,), 'shape': (2, 3)}\n",
        'extra key': h(extra="'x': 1") + '\n',
        'missing shape': "{'descr': '<f4', 'fortran_order': False}\n",
        'missing descr': "{'fortran_order': False, 'shape': (2, 3)}\n",
        'shape inside a string value': "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'note': \"'shape': (9,)\"}\n",
        'shape inside a comment': "{'descr': '<f4', # 'shape': (9,)\n 'fortran_order': False, 'shape': (2, 3)}\n",
        'descr inside a comment': "{# 'descr': '<f8',\n 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'comment after the dict': "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} # 'shape': (1,)\n",
        'shape key in a string key': "{'descr': '<f4', 'fortran_order': False, \"'shape': (9,)\": 1, 'shape': (2, 3)}\n",
        'concatenated key': "{'de' 'scr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'triple-quoted key': "{'''descr''': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'raw and unicode prefixes': "{r'descr': u'<f4', R'fortran_order': False, U'shape': (2, 3)}\n",
        'bytes key': "{b'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'bytes descr': h(descr="b'<f4'"),
        'f-string key': "{f'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'escaped descr': h(descr="'\\x3cf4'"),
        'octal-escaped descr': h(descr="'\\74f8'"),
        'unicode-escaped descr': h(descr="'\\u003ci4'"),
        'escaped quote in a key': "{'descr\\'': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'parenthesised values': "{'descr': ('<f4'), 'fortran_order': (False), 'shape': ((2), (3))}\n",
        'hex, octal, binary, underscore ints': h(shape='(0x2, 0o3)'),
        'binary and underscore ints': h(shape='(0b1, 1_2)'),
        'unary plus': h(shape='(+2, 3)'),
        'negative zero': h(shape='(-0, 3)'),
        'negative dim': h(shape='(-2, 3)'),
        'double sign': h(shape='(--2, 3)'),
        'sign on parens': h(shape='(-(0), 3)'),
        'leading zero int': h(shape='(02, 3)'),
        'zeros int': h(shape='(00, 3)'),
        'float dim': h(shape='(2.0, 3)'),
        'exponent dim': h(shape='(2e0, 3)'),
        'complex dim': h(shape='(2j, 3)'),
        'bool dim': h(shape='(True, 3)'),
        'None dim': h(shape='(None, 3)'),
        'list shape': h(shape='[2, 3]'),
        'int shape': h(shape='6'),
        'empty tuple shape': h(shape='()'),
        'trailing comma in shape': h(shape='(2,3,)'),
        'lone comma shape': h(shape='(,)'),
        'missing comma in shape': h(shape='(2 3)'),
        'python 2 long': h(shape='(2L, 3L)'),
        'python 2 long with space': h(shape='(2 L, 3)'),
        'lowercase long': h(shape='(2l, 3)'),
        'huge dim with zero': h(shape='(0, 99999999999999999999)'),
        'dim beyond 2**53 with zero': h(shape='(0, 9007199254740993)'),
        'dims overflowing together': h(shape='(4294967296, 4294967296, 0)'),
        '64 dims': h(shape='(' + '1, ' * 64 + ')'),
        '65 dims': h(shape='(' + '1, ' * 65 + ')'),
        'tuple multiplication': h(shape='(1,)*2'),
        'fortran as int': h(fortran='0'),
        'fortran as string': h(fortran="'False'"),
        'fortran lowercase': h(fortran='false'),
        'fortran True 2-D': h(fortran='True'),
        'fortran True 1-D': h(fortran='True', shape='(6,)'),
        'structured descr': h(descr="[('a', '<f4')]"),
        'subarray descr': h(descr="('<f4', (2,))", shape='(3,)'),
        'object descr': h(descr="'|O'"),
        'set as header': "{'descr', 'fortran_order', 'shape'}\n",
        'list as header': "['descr', '<f4']\n",
        'empty dict': '{}\n',
        'not a literal': "dict(descr='<f4', fortran_order=False, shape=(2, 3))\n",
        'garbage after the dict': BASE + ' x\n',
        'second dict': BASE + ' {}\n',
        'NUL after the dict': BASE + '\x00',
        'CRLF ending': BASE + '\r\n',
        'CR ending': BASE + '\r',
        'tab and formfeed padding': BASE + '\t\x0c\n',
        'no newline at all': BASE,
        'leading spaces': '   ' + BASE + '\n',
        'leading tab': '\t' + BASE + '\n',
        'leading newline': '\n' + BASE + '\n',
        'leading newline and indent': '\n ' + BASE + '\n',
        'leading comment line': '# c\n' + BASE + '\n',
        'newlines inside the dict': "{\n'descr': '<f4',\n 'fortran_order': False,\n 'shape': (2,\n 3)}\n",
        'backslash continuation inside': "{'descr': '<f4', \\\n'fortran_order': False, 'shape': (2, 3)}\n",
        'backslash at the end': BASE + '\\\n',
        'unterminated string': "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}\n",
        'newline in a string': "{'descr': '<f\n4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'unclosed dict': "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)\n",
        'unclosed tuple': "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}\n",
        'deep parentheses': "{'descr': '<f4', 'fortran_order': False, 'shape': (" + '(' * 150 + '2' + ')' * 150 + ', 3)}\n',
        'too deep parentheses': "{'descr': '<f4', 'fortran_order': False, 'shape': (" + '(' * 250 + '2' + ')' * 250 + ', 3)}\n',
        'too long header': padded(BASE + ' ' * 10050),
        'non-ASCII in a comment': BASE + ' # \xe9\n',
        'non-ASCII key': "{'d\xe9scr': '<f4', 'fortran_order': False, 'shape': (2, 3)}\n",
        'one-byte big-endian': h(descr="'>u1'"),
        'bool with < order': h(descr="'<b1'"),
    }
    for d in ['f4', 'f', 'd', 'f8', 'i4', 'i', 'q', 'i8', 'u1', 'B', 'b1', '?', 'l', 'p', 'b', 'i1', 'f2', 'e', 'c8', 'U3', 'S4', 'V8', 'M8', 'O']:
        for order in ['', '<', '>', '|', '=', '!']:
            cases[f'descr {order}{d}'] = h(descr=repr(order + d))
    for name in ['float32', 'float64', 'float', 'double', 'single', 'int32', 'int64', 'int', 'uint8', 'bool', 'bool_', '<float32', 'float_', '<f4 ', ' <f4', '<F4', '<f4,', 'f4\x00']:
        cases[f'descr name {name!r}'] = h(descr=repr(name))
    out = [{'name': k, 'version': [1, 0], 'header': v} for k, v in cases.items()]
    out += [
        {'name': 'v2 default', 'version': [2, 0], 'header': padded(BASE, (2, 0))},
        {'name': 'v3 default', 'version': [3, 0], 'header': padded(BASE, (3, 0))},
        {'name': 'v3 non-ASCII in a comment', 'version': [3, 0], 'header': BASE + ' # \u00e9\u4e2d\n'},
        {'name': 'v3 invalid UTF-8', 'version': [3, 0], 'header': BASE + ' # \xff\n', 'raw': True},
        {'name': 'v2 non-ASCII in a comment', 'version': [2, 0], 'header': BASE + ' # \xe9\n'},
        {'name': 'v3 python 2 long', 'version': [3, 0], 'header': h(shape='(2L, 3)')},
        {'name': 'v2 python 2 long', 'version': [2, 0], 'header': h(shape='(2L, 3)')},
        {'name': 'version 1.1', 'version': [1, 1], 'header': padded(BASE)},
        {'name': 'version 2.5', 'version': [2, 5], 'header': padded(BASE, (2, 0))},
        {'name': 'version 4.0', 'version': [4, 0], 'header': padded(BASE, (2, 0))},
        {'name': 'version 0.0', 'version': [0, 0], 'header': padded(BASE)},
    ]
    return out


# Pieces a mutation inserts: the tokens a header is made of, and the tricks that fooled the regex parser.
PIECES = ["'", '"', '{', '}', '(', ')', '[', ']', ',', ':', ' ', '\n', '#', '\\', '0', '1', '2', '9', '-', '+', '_', 'L', 'x',
          "'shape': (5,), ", "'descr': '<f8', ", "'fortran_order': True, ", 'True', 'False', 'None', "'''", 'u', 'b', 'r',
          '<f8', '>f4', '|b1', '<i8', '0x10', '1e3', '\t', '\x00', '\xe9']


def mutated(rng, n):
    out = []
    bases = [(BASE, (1, 0)), ("{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", (1, 0)),
             ("{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", (2, 0)),
             ("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 3, 2), }", (3, 0))]
    for k in range(n):
        text, version = bases[k % len(bases)]
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(text))
            op = rng.random()
            if op < 0.4:
                text = text[:at] + rng.choice(PIECES) + text[at:]
            elif op < 0.7:
                text = text[:at] + text[at + rng.randint(1, 4):]
            else:
                text = text[:at] + rng.choice(PIECES) + text[at + 1:]
        out.append({'name': f'mutation {k}', 'version': list(version), 'header': text + '\n'})
    return out


def spelled(rng, value):
    """An int literal for `value` in one of the spellings Python accepts (and a few it does not)."""
    forms = [str(value), hex(value), oct(value), bin(value), '+' + str(value), '(%d)' % value, '%dL' % value, '0_%d' % value if value else '0_0']
    if value >= 10:
        forms.append(str(value)[0] + '_' + str(value)[1:])
    return rng.choice(forms)


QUOTES = [repr, lambda k: '"%s"' % k, lambda k: "'''%s'''" % k, lambda k: "r'%s'" % k, lambda k: "u'%s'" % k,
          lambda k: "'%s' '%s'" % (k[:2], k[2:]), lambda k: "b'%s'" % k]
DESCRS = ["'<f4'", "'<f8'", "'<i4'", "'<i8'", "'|u1'", "'|b1'", "'>f4'", "'>i8'", "'f4'", "'d'", "'?'", "'float32'", "'<f2'",
          "'<u4'", "[('a', '<f4')]", "'<f4,'", "('<f4')", "'\\x3cf8'", "'l'", "'B'"]
FORTRANS = ['False', 'False', 'True', '(False)', '0', "'False'", 'false', 'None']
GAPS = ['', ' ', '  ', '\n', '\t', ' # note\n', " # 'shape': (9,)\n", '\n\n ', ' \\\n']


def assembled(rng, n):
    """Headers put together from legal and illegal spellings of each part: most are valid Python, many valid .npy."""
    out = []
    for k in range(n):
        gap = lambda: rng.choice(GAPS) if rng.random() < 0.4 else ' '
        dims = [rng.choice([0, 1, 2, 3, 4, 2, 3, 24, 96]) for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3]))]
        if rng.random() < 0.05:
            dims.append(-1)
        entries = [spelled(rng, d) for d in dims]
        inner = (',' + gap()).join(entries) + (',' if len(dims) == 1 or (dims and rng.random() < 0.5) else '')
        shape = '(' + inner + ')' if rng.random() < 0.95 else '[' + inner + ']'
        items = [['descr', rng.choice(DESCRS)], ['fortran_order', rng.choice(FORTRANS)], ['shape', shape]]
        rng.shuffle(items)
        r = rng.random()
        if r < 0.08:
            items.append([items[rng.randrange(3)][0], rng.choice(DESCRS + ['(5,)', 'True'])])
        elif r < 0.12:
            items.append(['extra', '1'])
        elif r < 0.15:
            items.pop(rng.randrange(3))
        quote = rng.choice(QUOTES) if rng.random() < 0.5 else repr
        body = ','.join(gap() + quote(key) + gap() + ':' + gap() + value for key, value in items)
        tail = rng.choice(['', ' ', '\n', '\r\n', '\r', ' # x', ' x', '\t\x0c'])
        text = '{' + body + (',' if rng.random() < 0.5 else '') + gap() + '}' + tail
        version = rng.choice([(1, 0), (1, 0), (2, 0), (3, 0)])
        out.append({'name': f'assembled {k}', 'version': list(version), 'header': padded(text, version) if rng.random() < 0.5 else text + '\n'})
    return out


def main():
    manifest = real_files()
    cases = hand_made() + assembled(random.Random(15594), 500) + mutated(random.Random(2504), 300)
    for case in cases:
        version = tuple(case['version'])
        header = case['header']
        raw = header.encode('latin1') if case.pop('raw', False) or version[0] != 3 else header.encode('utf8')
        data = npy(raw, version) if version[0] in (1, 2, 3) else b'\x93NUMPY' + bytes(version) + struct.pack('<H', len(raw)) + raw + PAYLOAD
        case['bytes'] = raw.decode('latin1')  # header bytes, one char per byte
        del case['header']
        case['numpy'] = verdict(data)
    with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
        json.dump({'numpy': np.__version__, 'files': manifest}, f, indent=1)
        f.write('\n')
    with open(os.path.join(HERE, 'corpus.json'), 'w') as f:
        f.write('{"numpy": %s, "payload": %s, "cases": [\n' % (json.dumps(np.__version__), json.dumps(PAYLOAD.hex())))
        f.write(',\n'.join(json.dumps(c, ensure_ascii=True) for c in cases))
        f.write('\n]}')
        f.write('\n')
    ok = sum(c['numpy']['ok'] for c in cases)
    print(f'{len(manifest)} files, {len(cases)} headers ({ok} accepted by numpy {np.__version__})')


if __name__ == '__main__':
    main()
