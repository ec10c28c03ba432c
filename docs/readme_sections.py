"""README.md sections as reStructuredText, for pages that must not drift from
the README (the semantics table, the benchmark figures): conf.py writes them to
_generated/ on every build.  Only the Markdown that those sections use is
handled: ###/#### headings, paragraphs, bullets, pipe tables, fenced code,
code spans, bold."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def section(title, text=None):
    """The body of the README section headed ``## title`` (up to the next ##)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8") if text is None else text
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if m is None:
        raise LookupError(f"README.md has no section '## {title}'")
    return m.group(1).strip("\n")


def inline(s):
    """Code spans, bold and the characters rST reads as markup."""
    out, pos = [], 0
    for m in re.finditer(r"`([^`]+)`", s):
        out.append(_text(s[pos:m.start()]))
        lit = "``" + m.group(1) + "``"
        if m.start() > 0 and (s[m.start() - 1].isalnum()):
            lit = "\\ " + lit
        if m.end() < len(s) and (s[m.end()].isalnum()):
            lit = lit + "\\ "
        out.append(lit)
        pos = m.end()
    out.append(_text(s[pos:]))
    return "".join(out)


def _text(s):
    s = re.sub(r"\*\*([^*]+)\*\*", lambda m: "**" + m.group(1).replace("*", r"\*") + "**", s)
    # lone * and | would open emphasis or substitutions; _ after a word, a link
    s = re.sub(r"(?<!\*)\*(?!\*)", r"\\*", s)
    s = s.replace("|", r"\|")
    s = re.sub(r"(\w)_(?=\W|$)", r"\1\\_", s)
    return s


def to_rst(md):
    lines = md.splitlines()
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in re.split(r"(?<!\\)\|", lines[i].strip())[1:-1]]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            out += [".. list-table::", "   :header-rows: 1", ""]
            for row in rows:
                for k, c in enumerate(row):
                    out.append(("   * - " if k == 0 else "     - ") + (inline(c) or " "))
            out.append("")
            continue
        if line.startswith("```"):
            lang = line[3:].strip() or "text"
            lang = {"python": "pycon", "bash": "bash"}.get(lang, "text")
            i += 1
            block = []
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            out += [f".. code-block:: {lang}", ""] + ["   " + b for b in block] + [""]
            continue
        m = re.match(r"(#{3,4}) (.*)", line)
        if m:                                   # ### and #### inside a section
            title = inline(m.group(2))
            out += [title, ("~" if len(m.group(1)) == 3 else "^") * len(title)]
            i += 1
            continue
        out.append(inline(line))
        i += 1
    return "\n".join(out) + "\n"


def write(dest, pages):
    """pages: {file name: (page title, [README section titles])}; a title
    starting with '?' is left out when README has no such section."""
    dest = pathlib.Path(dest)
    dest.mkdir(exist_ok=True)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (title, sections) in pages.items():
        body = [title, "=" * len(title), ""]
        present = [s.lstrip("?") for s in sections
                   if not s.startswith("?") or f"\n## {s[1:]}\n" in readme]
        for sec in present:
            if len(present) > 1:
                body += [sec, "-" * len(sec), ""]
            body.append(to_rst(section(sec, readme)))
        text = "\n".join(body)
        path = dest / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
