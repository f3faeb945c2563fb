#!/usr/bin/env python3
# Writes the seed corpora of the vmsilo-dbus-proxy fuzz harnesses from an
# independent encoder of docs/dbus-proxy-protocol.md. Run from anywhere after
# a protocol change, then commit fuzz/corpus/dbus-*/seed-* (the fuzzers add
# their own finds next to them; those need not be valid messages):
#   fuzz/gen-dbus-proxy-corpus.py
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(v): return struct.pack(">B", v)
def u32(v): return struct.pack(">I", v & 0xffffffff)
def i32(v): return struct.pack(">i", v)
def s(v): b = v.encode() if isinstance(v, str) else v; return u32(len(b)) + b


def pixmap(w, h, fill=b"\x80\x10\x20\x30"):
    return i32(w) + i32(h) + u32(w * h * 4) + fill * (w * h)


def hint(key, kind, value):
    body = s(key) + u8(kind)
    if kind == 1: body += s(value)
    elif kind == 5: body += value
    else: body += u32(value)
    return body


def notify_body(nid=1, summary="Hello", body="world", actions=(), hints=(), replaces=0, expire=-1,
                app="app", icon="mail-unread"):
    out = u32(nid) + u32(replaces) + i32(expire) + s(app) + s(icon) + s(summary) + s(body)
    flat = [x for pair in actions for x in pair]
    out += u32(len(flat)) + b"".join(s(x) for x in flat)
    out += u32(len(hints)) + b"".join(hints)
    return out


def menu(mid, label, children=(), enabled=1, visible=1, mtype=0, toggle=0, state=0):
    out = i32(mid) + s(label) + s("") + u8(enabled) + u8(visible) + u8(mtype) + u8(toggle) + u8(state)
    return out + u32(len(children)) + b"".join(children)


def item_body(iid=1, title="Network", icons=(), with_menu=True):
    out = u32(iid) + s("nm-applet") + s(title) + s("network-wireless") + s("Wi-Fi") + s("Connected\nto home")
    out += u8(1) + u8(2) + u8(0) + u32(len(icons)) + b"".join(icons)
    if with_menu:
        m = menu(0, "", [menu(1, "_Connect", [menu(3, "Home")]), menu(2, "", mtype=1),
                         menu(4, "Enable", toggle=1, state=1), menu(5, "Radio", toggle=2, state=0xff)])
        out += u8(1) + m
    else:
        out += u8(0)
    return out


def msg(kind, body): return u8(1) + u8(kind) + body
def frame(payload): return u32(len(payload)) + payload


NOTIFIES = [
    notify_body(),
    notify_body(summary="Mail", body="<b>bold</b> <i>it</i> <u>u</u> <a href=\"https://example.org\">x</a> &amp; &#169;",
                actions=[("default", "Open"), ("reply", "Reply")],
                hints=[hint("urgency", 2, 2), hint("category", 1, "email.arrived"),
                       hint("desktop-entry", 1, "thunderbird"), hint("x-vmsilo-vm", 1, "evil"),
                       hint("transient", 4, 1), hint("image-data", 5, pixmap(4, 4))]),
    notify_body(body="<img src=\"x\"/><a href=\"javascript:alert(1)\">j</a><script>y</script>&bogus; \u202eevil",
                summary="line1\nline2\t\x01"),
    notify_body(body="a\n" * 600),
    notify_body(replaces=3, expire=999999999),
]
ITEMS = [item_body(), item_body(icons=[pixmap(2, 2), pixmap(16, 16)]), item_body(with_menu=False)]
OTHER = [msg(0x11, u32(1)), msg(0x21, u32(1)), msg(0x80, u32(1) + u32(2)), msg(0x81, u32(1) + s("default")),
         msg(0x90, u32(1) + u8(0) + i32(10) + i32(20)), msg(0x91, u32(1) + i32(4) + s("clicked") + u32(0)),
         msg(0x92, u32(1) + i32(3)), msg(0x93, u32(1) + i32(-120) + u8(1))]


def write(name, blobs):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for b in blobs:
        with open(os.path.join(d, "seed-" + hashlib.sha1(b).hexdigest()), "wb") as f:
            f.write(b)


messages = [msg(0x10, n) for n in NOTIFIES] + [msg(0x20, i) for i in ITEMS] + OTHER
write("dbus-deserialize", messages)
write("dbus-read-message", [bytes([c]) + b"".join(frame(m) for m in messages[i:i + 3])
                            for i, c in zip(range(0, len(messages), 2), [0, 1, 7, 255, 3, 16, 2, 9])])
write("dbus-sanitize-notification", [b"N" + n for n in NOTIFIES] +
      [b"M" + "<b>x</b><a href='https://a.b'>l</a>&lt;&#x41;<i><u>deep".encode(), b"T" + "t\u200ex\ty".encode()])
write("dbus-sanitize-snapshot", ITEMS)
px = [u8(0) + u8(4) + u8(0) + u8(4) + b"\xff\x00\x00" + u8(0) + u8(16) + u8(3) + b"\x11" * 64,
      u8(0) + u8(40) + u8(0) + u8(40) + b"\x00\x80\xff" + u8(0) + u8(160) + u8(3) + b"\x22" * 6400,
      u8(0) + u8(3) + u8(0) + u8(2) + b"\x01\x02\x03" + u8(0) + u8(9) + u8(0) + b"\x33" * 18,
      u8(0) + u8(4) + u8(0) + u8(4) + b"\xff\xff\xff" + u8(0) + u8(16) + u8(3) + b"\x11" * 63]
write("dbus-tint-pixmap", px)
