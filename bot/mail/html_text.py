"""HTML mail as readable plain text: line breaks where blocks end, no scripts or styles, quotes marked with '>'."""

import re
from html.parser import HTMLParser

# Elements that start and end a line of text.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
})
# Of those, the ones a blank line sets apart.
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol", "pre", "hr"})
# Elements whose content is never text a reader sees.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript", "object", "svg"})
# Cells of a row are read side by side.
_CELLS = frozenset({"td", "th"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0
        self.quoted = 0  # depth of <blockquote>: mail clients put the quoted history there
        self.pre = 0

    def break_line(self, empty_too: bool = False) -> None:
        """Ends the current line; an empty one only counts for <br> (and inside <pre>), as the writer typed it."""
        text = "".join(self.current)
        if not self.pre:
            text = _SPACES.sub(" ", text).strip()
        self.current = []
        if text:
            self.lines.append("> " * self.quoted + text)
        elif empty_too or self.pre:
            self.lines.append("> " * self.quoted if self.quoted else "")

    def gap(self) -> None:
        """A blank line between paragraphs, never two."""
        self.break_line()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            if tag not in _VOID:
                self.hidden += 1
            return
        if tag == "br":
            self.break_line(empty_too=True)
        elif tag in _PARAGRAPHS:
            self.gap()
        elif tag in _BLOCKS:
            self.break_line()
        if tag == "blockquote":
            self.quoted += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in _CELLS:
            self.current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.hidden:
                self.current.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            return
        if tag in _PARAGRAPHS:
            self.gap()
        elif tag in _BLOCKS and tag != "br":
            self.break_line()
        if tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            # Preformatted text keeps its own line breaks.
            first, *rest = data.split("\n")
            self.current.append(first)
            for line in rest:
                self.break_line()
                self.current.append(line)
        else:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """The text a reader sees in `html`, one line per block, quoted blocks' lines starting with '> '."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except (AssertionError, ValueError):
        # html.parser gives up on some broken markup; keep what it read so far.
        pass
    maker.break_line()
    text = "\n".join(line.rstrip() for line in maker.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
