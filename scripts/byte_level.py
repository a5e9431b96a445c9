"""GPT-2's byte-level alphabet, shared by the fixture scripts that write small BPE vocabularies.

bytes_to_unicode (Radford et al. 2019, GPT-2's encoder.py): printable bytes stand for themselves, the other 68
bytes are mapped to U+0100 onwards in byte order, so every byte has a visible one-character token.
"""


def byte_tokens():
    """The 256 byte tokens, in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]
