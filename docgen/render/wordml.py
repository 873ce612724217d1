"""WordprocessingML → Jinja source: healing split tags and lowering docxtpl's tag forms.

Word stores typed text in runs and splits them wherever formatting, proofing marks,
bookmarks or revisions change, so ``{{ client }}`` may arrive as ``{{ cli`` + ``ent }}``
in two runs. This module works on the lxml tree of one part:

1. *heal* (:mod:`.heal`): every tag is moved whole into the ``w:t`` where it starts
   (the pieces are removed from the following ``w:t`` elements, whatever lies between
   them); a tag a paragraph mark split is joined, or reported;
2. *lower*: paragraph/row/cell tags (``{%p``, ``{%tr``, ``{%tc``, ``{{p``, ``{#p``…)
   replace their enclosing element; a run tag (``{%r``, ``{{r``) gets a run of its own,
   cut out of its run (the run's other text stays), which it replaces; docxtpl's
   table helpers (``vm``, ``hm``, ``colspan``, ``cellbg``) become attributes;
3. *serialise*: the tree is written out with every tag restored verbatim (so ``<`` in
   an expression stays ``<``), and each paragraph gets a Jinja comment carrying its
   number, which error reporting uses to say where a problem is.

Only the Jinja source is produced here; nothing in this module renders.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from lxml import etree

from ..messages import N_
from .blocks import joins_paragraphs_only, misplaced_blocks
from .heal import (
    CLOSERS,
    OPENER_RE,
    TAG_RE,
    W_P,
    W_PPR,
    W_R,
    W_RPR,
    W_T,
    has_unclosed_opener,
    heal_paragraph,
    join_split_tag,
    own_texts,
)
from .heal import LoweringError as LoweringError
from .heal import W as W
from .heal import W_TC as W_TC
from .heal import W_TCPR as W_TCPR
from .heal import W_TR as W_TR
from .heal import normalize_delimiters as normalize_delimiters
from .heal import preserve_space as _preserve_space

# {%p …%}, {{r …}}, {#tr …#}: a letter code right after the opening delimiter.
_LEVEL_RE = re.compile(r"^(\{%|\{\{|\{#)(p|tr|tc|r)\s")
_CELL_FLAG_RE = re.compile(r"^\{%\s*(vm|hm)\s*%\}$")
_CELL_EXPR_RE = re.compile(r"^\{%\s*(colspan|cellbg|vm)\s+(.*?)\s*%\}$", re.DOTALL)
_LEVEL_TAGS = {"p": W_P, "tr": W_TR, "tc": W_TC, "r": W_R}

# docxtpl's escapes for literal delimiters in document text.
_LITERALS = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}
_LITERAL_RE = re.compile("|".join(re.escape(k) for k in _LITERALS))

_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"
_RUN_CUT = "\ue002"  # where a run-level tag is cut out of its run's text
_LITERAL_DELIM_RE = re.compile(r"\{(?=[{%#])")
_PLACEHOLDER_RE = re.compile(
    "\ue000(\\d+)\ue001|<\\?docgen (\\d+)\\?>|<\\?docgen-p (\\d+)\\?>"
)

# {% vm %} merges over the rows of the innermost *row* loop, even from inside a
# column loop ({%tc for %}), so each {%tr for %} names its loop for it.
_ROW_LOOP = "_docgen_row_loop"
_ROW_LOOP_SET = "{%% set %s = loop %%}" % _ROW_LOOP
_ROW_LOOP_USED = "row_loop"
_FOR_RE = re.compile(r"\{%[-+]?\s*for\b")
_HEAD_RE = re.compile(r"\{%[-+]?\s*(\w+)")
_BLOCK_OPENERS = frozenset("if for with macro call filter autoescape trans block".split())
_LONE_STATEMENT_RE = re.compile(r"\{%(?:(?!%\}).)*%\}", re.DOTALL)
_RAW_RE = re.compile(r"\{%-?\s*raw\b")

_TCPR_ORDER = [W + n for n in (
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
    "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers", "cellIns",
    "cellDel", "cellMerge", "tcPrChange",
)]


VALUE_IN_TAG_ELEMENT = N_(
    "'{other}' would never print: it is in the row, cell or paragraph that '{tag}' "
    "stands for, which is replaced by its tags; put '{tag}' in a row, cell or paragraph "
    "of its own (in Word the loop tags get rows of their own, around the rows they repeat)")
BLOCK_IN_TAG_ELEMENT = N_(
    "'{tag}' and '{other}' are in one row, cell or paragraph, which is replaced by its "
    "tags, so nothing lies between them; put each in a row, cell or paragraph of its own, "
    "before and after what they repeat or show")


@dataclass
class Lowered:
    """The Jinja source of one part plus what error reporting needs."""

    source: str
    paragraphs: dict[int, str] = field(default_factory=dict)  # number -> text (healed)
    has_tags: bool = False  # False: the part renders to itself and can stay static
    has_cell_loops: bool = False  # {%tc %} or hm: the table grid must follow the cells
    has_row_tags: bool = False  # {%tr %}: a table may lose every row (tables.fix_tables)


class _Chunks:
    """Verbatim Jinja fragments, referenced from the tree by placeholders."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.typed: dict[int, int] = {}  # tags as typed (not docgen's own) -> paragraph
        self.flags: set[str] = set()

    def text_ref(self, jinja: str, typed: int = 0) -> str:
        """A placeholder for ``jinja``; ``typed``: the paragraph of a tag as typed."""
        self.items.append(jinja)
        if typed:
            self.typed[len(self.items) - 1] = typed
        return f"{_PH_OPEN}{len(self.items) - 1}{_PH_CLOSE}"

    def element_ref(self, jinja: str) -> etree._Element:
        self.items.append(jinja)
        return etree.ProcessingInstruction("docgen", str(len(self.items) - 1))


def _ancestor(el: etree._Element, tag: str) -> Optional[etree._Element]:
    anc = el.getparent()
    while anc is not None and anc.tag != tag:
        anc = anc.getparent()
    return anc


def _attached(el: etree._Element, root: etree._Element) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def insert_in_order(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert ``child`` where the schema's sequence ``order`` puts it (Word is strict)."""
    rank = order.index(child.tag)
    for i, existing in enumerate(parent):
        if existing.tag in order and order.index(existing.tag) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


def _set_tcpr_child(tc: etree._Element, child: etree._Element) -> None:
    """Put ``child`` into the cell's ``w:tcPr`` at its schema position, replacing a twin."""
    tcpr = tc.find(W_TCPR)
    if tcpr is None:
        tcpr = etree.Element(W_TCPR)
        tc.insert(0, tcpr)
    old = tcpr.find(child.tag)
    if old is not None:
        tcpr.remove(old)
    insert_in_order(tcpr, child, _TCPR_ORDER)


def _drop_if_empty_run(t: etree._Element) -> None:
    run = t.getparent()
    if t.text or run is None or run.tag != W_R:
        return
    if all(ch.tag in (W_RPR, W_T) and (ch.tag != W_T or not ch.text) for ch in run):
        parent = run.getparent()
        if parent is not None:
            parent.remove(run)


@dataclass
class _LevelTag:
    level: str
    opener: str
    body: str  # the tag without its level letters, e.g. "{% if x %}"
    t: etree._Element
    paragraph: int
    seq: int = 0  # how many chunks came before it: its place in document order
    typed: str = ""  # the tag as typed
    done: bool = False  # written into an element's replacement already


def lower_word_part(root: etree._Element,
                    errors: Optional[list[LoweringError]] = None) -> Lowered:
    """Heal and lower one WordprocessingML part (document, header, footer, notes).

    A tag that is not closed raises :class:`LoweringError`; with ``errors`` given,
    every such tag is appended there instead, left as literal text, and lowering
    goes on (template diagnostics report them all at once).
    """
    chunks = _Chunks()
    result = Lowered(source="")
    level_tags: list[_LevelTag] = []
    paragraphs = list(root.iter(W_P))
    for index, p in enumerate(paragraphs):
        number = index + 1
        if p.getparent() is None:
            continue  # joined into the paragraph before it (a tag ran over both)
        p.insert(0, etree.ProcessingInstruction("docgen-p", str(number)))
        texts = own_texts(p)
        if not texts:
            continue
        text = heal_paragraph(texts)
        split_reported = False
        while has_unclosed_opener(text):
            joined = join_split_tag(paragraphs, index, text, number)
            if joined is None:
                break
            if isinstance(joined, LoweringError):
                if errors is None:
                    raise joined
                errors.append(joined)
                split_reported = True
                break
            texts = own_texts(p)
            text = heal_paragraph(texts)
        result.paragraphs[number] = text
        if "{" not in text and "%_}" not in text and "}_}" not in text:
            continue
        for t in texts:
            if t.text:
                try:
                    _lower_text(t, number, chunks, level_tags)
                except LoweringError as exc:
                    exc.excerpt = text
                    if errors is None:
                        raise
                    if not split_reported:  # the same tag, already reported
                        errors.append(exc)
    lost: list[LoweringError] = []
    for level in ("tr", "tc", "p", "r"):
        for lt in level_tags:
            if lt.level == level and not lt.done:
                _apply_level_tag(lt, root, chunks, level_tags, lost)
    for problem in lost:
        problem.excerpt = result.paragraphs.get(problem.paragraph)
        if errors is None:
            raise problem
        errors.append(problem)
    result.has_tags = bool(chunks.items or level_tags)
    result.has_row_tags = any(lt.level == "tr" for lt in level_tags)
    result.has_cell_loops = any(lt.level == "tc" for lt in level_tags) or any(
        "loop.length" in c for c in chunks.items)
    result = result_with_source(root, chunks, result)
    for bad in misplaced_blocks(result.source) if result.has_tags else ():
        problem = LoweringError(bad.message, bad.paragraph or 0, tag=bad.tag,
                                other=bad.other)
        problem.excerpt = result.paragraphs.get(bad.paragraph or 0)
        if errors is None:
            raise problem
        errors.append(problem)
    return result


def _lower_text(
    t: etree._Element, number: int, chunks: _Chunks, level_tags: list[_LevelTag]
) -> None:
    text = t.text or ""
    pieces: list[str] = []
    wrap_first = False
    vm_var = ""
    holds_level_tag = False
    run_cuts: list[_LevelTag] = []
    pos = 0
    for m in TAG_RE.finditer(text):
        pieces.append(_literals(text[pos:m.start()], chunks))
        pos = m.end()
        tag = m.group(0)
        level = _LEVEL_RE.match(tag)
        if level and not (level.group(1) == "{#" and level.group(2) == "r"):
            opener = level.group(1)
            body = opener + tag[len(opener) + len(level.group(2)):]
            lt = _LevelTag(level.group(2), opener, body, t, number, len(chunks.items), tag)
            level_tags.append(lt)
            if lt.level == "r" and _parent_tag(t) == W_R:
                # The tag becomes a run of its own; the run's other text stays.
                pieces.append(_RUN_CUT)
                run_cuts.append(lt)
            else:
                holds_level_tag = True  # its element is replaced later: keep it attached
            continue
        flag = _CELL_FLAG_RE.match(tag)
        expr = _CELL_EXPR_RE.match(tag)
        tc = _ancestor(t, W_TC) if (flag or expr) else None
        vm_key = vm_typed = None
        if flag and flag.group(1) == "vm":
            vm_key, vm_typed = "none", ""
        elif expr and expr.group(1) == "vm":
            vm_key = vm_typed = expr.group(2)
        if tc is not None and vm_key is not None:
            # Starts a merge on the first row this run of the loop writes, and where
            # the key changes (see tables.vmerge_starts); the decision is made once
            # per row, in the attribute, and read again by the text wrap below.
            vm_var = "_docgen_vm%d" % len(chunks.items)
            vmerge = etree.Element(W + "vMerge")
            vmerge.set(W + "val", chunks.text_ref(
                "{#@%d\n#}{%% set %s = %s|_docgen_vm(%d, (%s), %s, loop) %%}"
                "{%% if %s %%}restart{%% else %%}continue{%% endif %%}"
                % (number, vm_var, _ROW_LOOP, len(chunks.items), vm_key, _python_str(vm_typed or ""), vm_var)))
            _set_tcpr_child(tc, vmerge)
            chunks.flags.add(_ROW_LOOP_USED)
            wrap_first = True
        elif tc is not None and flag:  # hm
            _lower_hmerge(tc, chunks, number)
        elif tc is not None and expr:
            name, value = expr.group(1), expr.group(2)
            if name == "colspan":
                el = etree.Element(W + "gridSpan")
                el.set(W + "val", chunks.text_ref("{{ (%s)|_docgen_colspan }}" % value))
            else:
                el = etree.Element(W + "shd")
                el.set(W + "val", "clear")
                el.set(W + "color", "auto")
                el.set(W + "fill", chunks.text_ref("{{ (%s)|_docgen_cellbg }}" % value))
            _set_tcpr_child(tc, el)
        else:
            pieces.append(chunks.text_ref(tag, typed=number))
    pieces.append(_literals(text[pos:], chunks))
    rest = TAG_RE.sub("", text)
    opener = OPENER_RE.search(rest)
    unclosed = None
    if opener:
        unclosed = LoweringError("a tag is not closed: '{tag}' has no matching '{closer}'",
                                 number, tag=rest[opener.start():opener.start() + 20],
                                 closer=CLOSERS[opener.group(0)])
    new = "".join(pieces)
    if wrap_first:
        # As docxtpl does: text from the cell's first w:t through the one holding
        # {% vm %} shows only in the first row of the merged run.
        first = next((x for x in _ancestor(t, W_TC).iter(W_T)), t)  # type: ignore[union-attr]
        opener = chunks.text_ref("{%% if %s %%}" % vm_var)
        if first is t:
            new = opener + new
        else:
            first.text = opener + (first.text or "")
            _preserve_space(first)
        new += chunks.text_ref("{% endif %}")
    if run_cuts:
        _cut_run(t, new.split(_RUN_CUT), run_cuts)
        if not t.text and not holds_level_tag:
            _drop_if_empty_run(t)
    elif new != text:
        t.text = new
        _preserve_space(t)
        if not new and not holds_level_tag:
            _drop_if_empty_run(t)
    if unclosed is not None:  # raised last: the text stays consistent (left literal)
        raise unclosed


def _python_str(text: str) -> str:
    """``text`` as a Jinja string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _parent_tag(el: etree._Element) -> object:
    parent = el.getparent()
    return None if parent is None else parent.tag


def _cut_run(t: etree._Element, segments: list[str], cuts: list[_LevelTag]) -> None:
    """Split ``t``'s run around its run-level tags: the text before each tag, the tag
    in a run of its own (which the tag then replaces), the text after; every piece
    keeps the run's formatting, and what followed ``t`` in the run follows the last
    piece. ``segments`` is ``t``'s new text cut at the tags (one more than ``cuts``)."""
    run = t.getparent()
    rpr = run.find(W_RPR)
    after = list(t.itersiblings())
    t.text = segments[0]
    _preserve_space(t)
    anchor = run
    for i, (lt, text) in enumerate(zip(cuts, segments[1:])):
        tag_run = _new_run(rpr, "")
        lt.t = tag_run[-1]
        anchor.addnext(tag_run)
        anchor = tag_run
        last = i == len(cuts) - 1
        if text or (last and after):
            piece = _new_run(rpr, text if text else None)
            anchor.addnext(piece)
            anchor = piece
    for child in after:
        anchor.append(child)


def _new_run(rpr: Optional[etree._Element], text: Optional[str]) -> etree._Element:
    run = etree.Element(W_R)
    if rpr is not None:
        run.append(_copy(rpr))
    if text is not None:
        t = etree.SubElement(run, W_T)
        t.text = text
        _preserve_space(t)
    return run


def _literals(text: str, chunks: _Chunks) -> str:
    if "_" not in text:
        return text
    return _LITERAL_RE.sub(
        lambda m: chunks.text_ref("{% raw %}" + _LITERALS[m.group(0)] + "{% endraw %}"), text
    )


def _lower_hmerge(tc: etree._Element, chunks: _Chunks, number: int) -> None:
    tcpr = tc.find(W_TCPR)
    span = tcpr.find(W + "gridSpan") if tcpr is not None else None
    el = etree.Element(W + "gridSpan")
    if span is not None and (span.get(W + "val") or "").isdigit():
        el.set(W + "val", chunks.text_ref("{{ %s * (loop|_docgen_hm).length }}"
                                          % span.get(W + "val")))
    else:
        el.set(W + "val", chunks.text_ref("{{ (loop|_docgen_hm).length }}"))
    _set_tcpr_child(tc, el)
    parent = tc.getparent()
    if parent is not None:
        i = parent.index(tc)
        # the paragraph's mark first: an error names its ¶ and shows the tag
        parent.insert(i, chunks.element_ref("{#@%d\n#}{%% if (loop|_docgen_hm).first %%}"
                                            % number))
        parent.insert(i + 2, chunks.element_ref("{% endif %}"))


def _apply_level_tag(lt: _LevelTag, root: etree._Element, chunks: _Chunks,
                     level_tags: list[_LevelTag], lost: list[LoweringError]) -> None:
    target = lt.t if lt.level == "r" and lt.t.tag == W_R else _ancestor(lt.t, _LEVEL_TAGS[lt.level])
    if target is None or not _attached(target, root):
        return
    parent = target.getparent()
    if parent is None:
        return
    marker = "{#@%d\n#}" % lt.paragraph
    if lt.opener == "{#":
        replacement: Optional[etree._Element] = None
    elif lt.opener == "{%":
        replacement = chunks.element_ref(_statements_of(target, lt, chunks, level_tags, lost))
    else:
        replacement = _rebuilt_value_element(lt, target, chunks, marker)
    lt.done = True
    if replacement is None:
        parent.remove(target)
        return
    replacement.tail = target.tail
    parent.replace(target, replacement)


def _statements_of(target: etree._Element, lt: _LevelTag, chunks: _Chunks,
                   level_tags: list[_LevelTag], lost: list[LoweringError]) -> str:
    """The Jinja that replaces ``target`` (a row, cell or paragraph a ``{%tr``/``{%tc``/
    ``{%p`` tag stands in): that tag, and every other statement tag inside the element,
    in document order, so ``{%tr endfor %}{%tr endfor %}`` in one row (or a ``{%tr``
    tag in each of its cells) closes both loops.

    What else the element holds is dropped with it, as in docxtpl; a value tag there
    would never print, and a block opened and closed there would have nothing inside,
    so both are reported to ``lost`` (the Excel habit of putting the loop tags on the
    row they repeat gives exactly that in Word)."""
    if lt.level == "r":
        return "{#@%d\n#}" % lt.paragraph + lt.body
    found: list[tuple[int, int, str, int, str]] = []  # seq, kind, jinja, paragraph, typed
    for other in level_tags:
        if other.done or not _inside(other.t, target):
            continue
        other.done = True
        if other.opener == "{{":
            found.append((other.seq, 0, "", other.paragraph, other.typed))
            continue
        if other.opener != "{%":
            continue
        body = other.body
        if other.level == "tr" and _ROW_LOOP_USED in chunks.flags and _FOR_RE.match(body):
            body += _ROW_LOOP_SET
        found.append((other.seq, 0, "{#@%d\n#}" % other.paragraph + body, other.paragraph,
                      other.typed))
    for m in _PLACEHOLDER_RE.finditer(etree.tostring(target, encoding="unicode")):
        if m.group(3) is not None:
            continue
        index = int(m.group(1) or m.group(2))
        item = chunks.items[index]
        if index not in chunks.typed or _RAW_RE.match(item):
            continue
        if item.startswith("{{"):
            found.append((index, 1, "", chunks.typed[index], item))
        elif _LONE_STATEMENT_RE.fullmatch(item):
            found.append((index, 1, item, chunks.typed[index], item))
    found.sort(key=lambda f: (f[0], f[1]))
    _report_lost(found, lt, lost)
    return "".join(f[2] for f in found)


def _report_lost(found: list[tuple[int, int, str, int, str]], lt: _LevelTag,
                 lost: list[LoweringError]) -> None:
    opened: list[tuple[str, str]] = []  # (head, typed)
    for _, _, jinja, paragraph, typed in found:
        if not jinja:
            lost.append(LoweringError(VALUE_IN_TAG_ELEMENT, paragraph, tag=lt.typed, other=typed))
            continue
        head = _HEAD_RE.search(jinja)
        name = head.group(1) if head else ""
        if name in _BLOCK_OPENERS or (name == "set" and "=" not in jinja):
            opened.append((name, typed))
        elif opened and name == "end" + opened[-1][0]:
            lost.append(LoweringError(BLOCK_IN_TAG_ELEMENT, paragraph, tag=opened[-1][1],
                                      other=typed))
            opened.pop()


def _inside(el: etree._Element, ancestor: etree._Element) -> bool:
    while el is not None:
        if el is ancestor:
            return True
        el = el.getparent()
    return False


def _rebuilt_value_element(
    lt: _LevelTag, target: etree._Element, chunks: _Chunks, marker: str
) -> etree._Element:
    """``{{p x}}`` / ``{{r x}}``: a fresh paragraph or run holding ``x``, keeping formatting."""
    run = lt.t.getparent()
    rpr = run.find(W_RPR) if run is not None and run.tag == W_R else None
    new_run = etree.Element(W_R)
    if rpr is not None:
        new_run.append(_copy(rpr))
    t = etree.SubElement(new_run, W_T)
    t.text = chunks.text_ref(marker + lt.body)
    _preserve_space(t)
    if lt.level == "r":
        return new_run
    new_p = etree.Element(W_P)
    ppr = target.find(W_PPR)
    if ppr is not None:
        new_p.append(_copy(ppr))
    new_p.append(new_run)
    return new_p


def _copy(el: etree._Element) -> etree._Element:
    return copy.deepcopy(el)


def result_with_source(root: etree._Element, chunks: _Chunks, result: Lowered) -> Lowered:
    xml = etree.tostring(root, encoding="unicode")
    xml = _apply_merges(xml, chunks)
    # Every real tag is a placeholder by now; a delimiter still in the XML is literal
    # text (tracked deletions, field codes, attribute values) and must stay literal.
    xml = _LITERAL_DELIM_RE.sub("{% raw %}{{% endraw %}", xml)
    items = chunks.items

    def sub(m: "re.Match[str]") -> str:
        if m.group(3) is not None:
            return "{#@%s\n#}" % m.group(3)
        return items[int(m.group(1) or m.group(2))]

    body = _PLACEHOLDER_RE.sub(sub, xml)
    result.source = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + body
    return result


class _Joiner:
    """A ``re.sub`` replacement: the cut span removed when :func:`joins_paragraphs_only`
    allows it, else kept; ``joined`` says which."""

    joined = False

    def __call__(self, m: "re.Match[str]") -> str:
        self.joined = joins_paragraphs_only(m.group(0))
        return "" if self.joined else m.group(0)


def _apply_merges(xml: str, chunks: _Chunks) -> str:
    """docxtpl's ``{%-`` / ``-%}``: join the tag's paragraph with the text before/after it.

    As in docxtpl, every ``{%-`` is merged before any ``-%}``; unlike docxtpl, a merge
    never swallows another tag, so ``{%-`` right after a tag is left to Jinja, nor
    ends a table, row or cell (the XML would break): such a tag only trims whitespace.
    """
    _join = _Joiner()
    for i, item in enumerate(chunks.items):
        if item.startswith("{%-"):
            ref = re.escape(f"{_PH_OPEN}{i}{_PH_CLOSE}")
            xml, n = re.subn(
                r"</w:t>(?:(?!</w:t>|<\?docgen |" + _PH_OPEN + ").)*?(?=" + ref + ")", _join,
                xml, count=1, flags=re.DOTALL)
            n = n and _join.joined
            if n:
                chunks.items[i] = "{%" + item[3:]
    for i, item in enumerate(chunks.items):
        if item.endswith("-%}"):
            ref = re.escape(f"{_PH_OPEN}{i}{_PH_CLOSE}")
            xml, n = re.subn(
                "(?<=" + ref + r")(?:(?!<w:t[ >]|" + _PH_OPEN + r"|<\?docgen ).)*?<w:t[^>]*>",
                _join, xml, count=1, flags=re.DOTALL)
            n = n and _join.joined
            if n:
                chunks.items[i] = item[:-3] + "%}"
    return xml


def lower_plain_part(root: etree._Element,
                     errors: Optional[list[LoweringError]] = None) -> Lowered:
    """Lower a non-Word XML part (core properties): tags in element text only
    (an unclosed tag stays literal text; ``errors`` is for the common signature)."""
    chunks = _Chunks()
    for el in root.iter():
        if isinstance(el.tag, str) and el.text and "{" in el.text:
            text = normalize_delimiters(el.text)
            el.text = TAG_RE.sub(lambda m: chunks.text_ref(m.group(0)), text)
    return result_with_source(root, chunks, Lowered(source="", has_tags=bool(chunks.items)))


def paragraph_tags(text: str) -> list[tuple[str, str]]:
    """The tags of a healed paragraph's text, each as typed and as Jinja reads it once
    lowered: level letters dropped (``{%tr for x in xs %}`` → ``{% for x in xs %}``),
    docxtpl's ``vm``/``hm`` left out and ``colspan``/``cellbg`` read as expressions."""
    tags = []
    for m in TAG_RE.finditer(text):
        tag = m.group(0)
        level = _LEVEL_RE.match(tag)
        if level and not (level.group(1) == "{#" and level.group(2) == "r"):
            opener = level.group(1)
            tags.append((tag, opener + tag[len(opener) + len(level.group(2)):]))
        elif _CELL_FLAG_RE.match(tag):
            continue
        else:
            expr = _CELL_EXPR_RE.match(tag)
            tags.append((tag, "{{ %s }}" % expr.group(2) if expr else tag))
    return tags


def level_of(tag: str) -> str:
    """The level letters of a tag as typed: ``p`` for ``{%p if x %}``, else ``""``."""
    level = _LEVEL_RE.match(tag)
    return level.group(2) if level else ""


def paragraph_of_line(source: str, lineno: int) -> Optional[int]:
    """The paragraph number of line ``lineno`` (1-based) of ``source``.

    Each paragraph's marker ``{#@N\n#}`` ends with the newline that starts the
    paragraph's line, so the answer is the last marker before that line starts.
    """
    start = 0
    for _ in range(max(lineno, 1) - 1):
        nxt = source.find("\n", start)
        if nxt < 0:
            break
        start = nxt + 1
    i = source.rfind("{#@", 0, start)
    if i < 0:
        return None
    m = re.match(r"\{#@(\d+)", source[i:])
    return int(m.group(1)) if m else None


Lowerer = Callable[[etree._Element, Optional[list[LoweringError]]], Lowered]
