"""The only jinja2 and mjml import: templates -> MJML -> HTML, and the text part."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..errors import RenderError

ISSUE_MJML = "newsletter/issue.mjml.j2"
ISSUE_TEXT = "newsletter/issue.txt.j2"
TEXT_WIDTH = 72
# css-class of the default theme's parts -> their landmark role (MRML drops role attributes,
# and screen readers and axe want the banner, main part and footer named)
_ARTICLE_LABEL = re.compile(r'<div aria-label="[^"]*" (?=aria-roledescription="email")')
LANDMARKS = (("fl-banner", "banner"), ("fl-main", "main"), ("fl-foot", "contentinfo"))


@dataclass(frozen=True, slots=True)
class RenderedIssue:
    mjml: str
    html: str
    text: str


def default_theme_dir() -> Path:
    """The default theme: the repository's templates/ (editable install), else the packaged copy."""
    package = Path(__file__).resolve().parent.parent  # newsletter/
    for candidate in (package.parent / "templates", package / "templates"):
        if (candidate / "newsletter" / "base.mjml.j2").is_file():
            return candidate
    raise RenderError(f"the default templates are missing (looked in {package.parent / 'templates'} and {package / 'templates'})")


def _wrap(text: object, width: int = TEXT_WIDTH) -> str:
    """Word-wrap plain text greedily; long words (URLs) are never broken. (What
    textwrap.fill does with these options, at a fraction of its cost.)"""
    lines: list[str] = []
    line = ""
    for word in str(text).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def make_environment(user_dir: Path | None, language_tag: str = "en") -> jinja2.Environment:
    """User templates first, then the default theme; "default:<name>" always names the default.
    `{{ _("…") }}` and `{% trans %}` in templates speak `language_tag` (newsletter/locale)."""
    from .language import language
    defaults = jinja2.FileSystemLoader(str(default_theme_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(defaults)
    loaders.append(jinja2.PrefixLoader({"default": defaults}, delimiter=":"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("mjml", "mjml.j2", "html", "html.j2", "htm", "xml", "xml.j2"),
            disabled_extensions=("txt", "txt.j2"),
            default_for_string=True,
            default=True,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(language(language_tag).translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["wrap"] = _wrap
    return env


def _where(exc: BaseException, name: str) -> str:
    """The template file and line an error happened in, as well as it can be told."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = exc.filename or exc.name or name
        return f"{where}:{exc.lineno}" if exc.lineno else where
    if isinstance(exc, jinja2.TemplateNotFound):
        return name
    tb = exc.__traceback__
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith((".mjml", ".html", ".txt")):
            found = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found or name


def _render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        missing = exc.name if exc.name != name else name
        raise RenderError(f"{name}: template not found: {missing}") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"{_where(exc, name)}: {exc.message or type(exc).__name__}") from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as exc:  # a filter or test raising inside the template
        raise RenderError(f"{_where(exc, name)}: {type(exc).__name__}: {exc}") from None


def mjml_to_html(mjml: str, *, fonts: dict[str, str] | None = None, template: str = ISSUE_MJML) -> str:
    """mjml2html in-process; a parse error or a Rust panic becomes a RenderError naming the template."""
    from mjml import mjml2html  # lazy: keeps command-line start-up fast

    try:
        html = mjml2html(mjml, disable_comments=True, fonts=dict(fonts or {}))
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # ValueError, and pyo3's PanicException (a BaseException)
        detail = str(exc).strip() or type(exc).__name__
        raise RenderError(f"{template}: the MJML it produced does not convert: {detail}") from None
    # MRML names the e-mail's article after mj-title; content that has a name but stands in
    # no landmark is what axe's region rule reports, and the subject names the mail already
    html = _ARTICLE_LABEL.sub("<div ", html, count=1)
    for css_class, role in LANDMARKS:  # the first element of each class only: one landmark each
        html = html.replace(f'<div class="{css_class}" ', f'<div class="{css_class}" role="{role}" ', 1)
    return html


def render_issue(env: jinja2.Environment, context: dict, *, text: bool = True) -> RenderedIssue:
    """The issue as MJML, HTML and (unless `text=False`, as for a web copy) plain text."""
    mjml = _render_template(env, ISSUE_MJML, context)
    html = mjml_to_html(mjml, fonts=context.get("fonts") or {})
    plain = ""
    if text:
        plain = _render_template(env, ISSUE_TEXT, context)
        plain = "\n".join(line.rstrip() for line in plain.strip("\n").split("\n")) + "\n"
    return RenderedIssue(mjml=mjml, html=html, text=plain)


def render_page(env: jinja2.Environment, name: str, context: dict) -> str:
    return _render_template(env, name, context)
