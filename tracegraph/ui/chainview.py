"""A chain drawn with pyvis as one self-contained HTML page: no script, style or font from anywhere.

pyvis's "in_line" mode inlines vis-network but still links Bootstrap from a CDN (and "local" links
everything from CDNs; see ../shared/reference/pyvis-offline.md), so the page is generated in_line
and every external ``<script src>`` / ``<link href>`` is removed; the little layout Bootstrap gave
is replaced by a few lines of CSS. :func:`external_urls` lets tests prove nothing is left.
Layout: hierarchical, primary standards on top, physics off — hundreds of nodes draw at once.
"""

from __future__ import annotations

import html
import json
import re

from pyvis.network import Network

from tracegraph.algorithms.chains import Chain, ChainNode
from tracegraph.i18n import Lang, t

COLOURS = {"primary": "#1565c0", "traceable": "#2e7d32", "broken": "#ef6c00", "invalid": "#c62828"}
_ROW = {"national": 0, "province": 1, "city": 2, "county": 3}
_EXTERNAL = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)\s*=\s*\"[^\"]*\"[^>]*>(?:\s*</script>)?", re.S)
_URL_ATTR = re.compile(r"\b(?:src|href)\s*=\s*[\"']((?:https?:)?//[^\"']+|\.\./[^\"']+)", re.I)
_CSS = """<style>
body { margin: 0; font-family: "Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; }
.card { border: 0; } #mynetwork { border: 1px solid #ddd; }
#tg-details { font-size: 13px; padding: 6px 8px; min-height: 2.5em; border-top: 1px solid #eee; }
.tg-legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.tg-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }
</style>"""
_CLICK = """<script>
network.on("click", function (params) {
  var box = document.getElementById("tg-details");
  if (params.nodes.length) { box.innerHTML = nodes.get(params.nodes[0]).details; }
  else if (params.edges.length) { box.innerHTML = edges.get(params.edges[0]).details; }
});
</script>"""


def state(node: ChainNode) -> str:
    if node.primary and node.valid:
        return "primary"
    if not node.valid:
        return "invalid"
    return "traceable" if node.traceable else "broken"


def node_details(node: ChainNode, lang: Lang) -> str:
    rows = [(t("standard", lang), f"{node.id} {node.name}"), (t("institution", lang), node.institution),
            (t("level", lang), t(node.level, lang)), (t("status", lang), t(node.status, lang)),
            (t("certificate_expiry", lang), str(node.certificate_expiry or "—")),
            (t("valid", lang), t("yes" if node.valid else "no", lang)),
            (t("traceable", lang), t("yes" if node.traceable else "no", lang))]
    if node.problem:
        rows.append((t("problem", lang), t(node.problem, lang)))
    return "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in rows)


def _short(name: str, width: int = 14) -> str:
    """A node's name in its box: cut with an ellipsis past ``width`` characters, so a cut name says so
    (the full name is the node's tooltip and details)."""
    return name if len(name) <= width else name[:width - 1] + "…"


def chain_html(chains: list[Chain], lang: Lang = "zh", height: int = 560) -> str:
    """One page drawing the union of ``chains`` (a standard's, or every standard that could serve an item)."""
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    nodes: dict[str, ChainNode] = {n.id: n for c in chains for n in c.nodes}
    for n in nodes.values():
        colour = COLOURS[state(n)]
        start = any(c.standard == n.id for c in chains)
        net.add_node(n.id, label=f"{n.id}\n{_short(n.name)}", color=colour, level=_ROW[n.level], shape="box",
                     font={"color": "#ffffff"}, borderWidth=3 if start else 1, title=f"{n.id} {n.name}",
                     details=node_details(n, lang))
    links = {(link.standard, link.upstream): link for c in chains for link in c.links}
    for (s, u), link in links.items():
        word = t("valid", lang) if link.valid else t("expired_link", lang)
        net.add_edge(s, u, color="#9e9e9e" if link.valid else COLOURS["invalid"], dashes=not link.valid,
                     title=f"{s} → {u}: {word} {link.valid_until}",
                     details=html.escape(f"{s} → {u} · {word} · {t('valid_until', lang)} {link.valid_until}"))
    net.set_options(json.dumps({
        "layout": {"hierarchical": {"enabled": True, "direction": "UD", "sortMethod": "directed",
                                    "levelSeparation": 110, "nodeSpacing": 240}},
        "physics": {"enabled": False},
        "edges": {"arrows": {"to": {"enabled": True}}, "smooth": False},
        "interaction": {"hover": True, "navigationButtons": False},
    }))
    page = _EXTERNAL.sub("", net.generate_html())
    page = page.replace("</head>", _CSS + "</head>", 1)
    return page.replace("</body>", _legend(lang) + '<div id="tg-details"></div>' + _CLICK + "</body>", 1)


def _legend(lang: Lang) -> str:
    items = "".join(f'<span><i style="background:{c}"></i>{t("legend_" + k, lang)}</span>' for k, c in COLOURS.items())
    return f'<div class="tg-legend">{items}</div>'


def external_urls(page: str) -> list[str]:
    """Every script or stylesheet the page would fetch from elsewhere (it must be none)."""
    return _URL_ATTR.findall(page)
