"""Just enough of a browser's form handling to click through server-rendered pages: the forms of
a page with the fields a browser would submit (hidden and text inputs, checked boxes and radios,
the selected option of each select, textareas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.attrs.get("action", "")

    def data(self, **overrides: str) -> dict[str, str]:
        """What the browser would post, with ``overrides`` typed into the form."""
        out: dict[str, str] = {}
        for name, value in self.fields:
            out.setdefault(name, value)
        out.update(overrides)
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            if self._form is not None and chosen:
                self._form.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None


def forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form(html: str, **attrs: str) -> Form:
    """The one form whose attributes include ``attrs`` (``testid="x"`` matches ``data-testid``)."""
    wanted = {("data-" + k if k == "testid" else k): v for k, v in attrs.items()}
    found = [f for f in forms(html) if all(f.attrs.get(k) == v for k, v in wanted.items())]
    if len(found) != 1:
        raise AssertionError(f"expected one form with {wanted}, found {len(found)} in:\n{html[:2000]}")
    return found[0]
