"""The vectorised figures against a straightforward per-item reading of ``../shared/spec/figures.md``.

The reference below walks items, standards and regions one by one and solves each region's and
filter's max-flow on its own with networkx, in exact rationals (loads scaled by the lcm of the
verification periods); the fast path works on integer-id arrays, shares pieces between regions and
filters and batches the flows. They must agree exactly: every region, every filter, every key.
Also here: ``compile_dataset`` gives the index ``compile_graph(build_graph(...))`` gives, the
vectorised fixpoint equals the walk, and the figure paths need neither networkx nor a graph.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import pickle
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pytest
from builders import AS_OF, inst, itype, link, need, region, std
from randomdata import random_dataset, random_dated_dataset

from tracegraph._index import compile_dataset, compile_graph
from tracegraph.algorithms.chains import traceable_in, traceable_walk
from tracegraph.algorithms.coverage import coverage_in, covering_in, dataset_figures_in
from tracegraph.algorithms.gaps import gaps_in
from tracegraph.algorithms.impact import failure_impacts_in, link_node
from tracegraph.backends import NetworkxBackend
from tracegraph.graph import build_graph
from tracegraph.io import read_dataset
from tracegraph.models import FILTERS, Dataset, TraceLink
from tracegraph.ui.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "standards"
KEYS = ("items", "covered_items", "coverage", "instruments", "covered_instruments", "weighted_coverage",
        "annual_load", "capacity_rate")


# --- the reference: figures.md, item by item --------------------------------------------------------------
def ref_figures(ds: Dataset, as_of: dt.date) -> dict[str, dict[str, dict]]:
    """region → filter → the figures, straight from the definitions."""
    standards = {s.id: s for s in ds.standards}
    links: dict[tuple[str, str], TraceLink] = {}
    for lk in ds.traceability:  # repeated rows: the latest valid_until holds
        old = links.get((lk.standard, lk.upstream))
        if old is None or lk.valid_until > old.valid_until:
            links[(lk.standard, lk.upstream)] = lk

    def valid(s) -> bool:
        return ((s.established is None or s.established <= as_of) and s.status == "in_service"
                and (s.primary or (s.certificate_expiry is not None and s.certificate_expiry >= as_of)))

    traceable = {s.id for s in ds.standards if s.primary and valid(s)}
    grew = True
    while grew:
        grew = False
        for (s, u), lk in links.items():
            if (s not in traceable and u in traceable and s in standards and valid(standards[s])
                    and lk.valid_until >= as_of and (lk.calibrated_on is None or lk.calibrated_on <= as_of)):
                traceable.add(s)
                grew = True

    parent = {r.code: r.parent for r in ds.regions}

    def at_or_below(c: str, r: str) -> bool:
        while c is not None:
            if c == r:
                return True
            c = parent.get(c)
        return False

    institutions = {i.id: i for i in ds.institutions}

    def serves(i, c: str) -> bool:
        own = i.level != "national" and i.region is not None and at_or_below(c, i.region)
        return own or any(at_or_below(c, r) for r in i.serves)

    types = {t.code: t for t in ds.instrument_types}
    L = math.lcm(*(t.verification_period_months for t in ds.instrument_types))
    counts: dict[tuple[str, str], int] = {}
    for d in ds.demand:
        counts[(d.region, d.instrument_type)] = d.count
    items = {k: n for k, n in counts.items() if n > 0}
    covering = {k: [s.id for s in ds.standards if s.id in traceable and k[1] in s.verifies
                    and serves(institutions[s.institution], k[0])] for k in items}
    load = {k: n * 12 * L // types[k[1]].verification_period_months for k, n in items.items()}  # × L: exact

    def in_filter(t, f: str) -> bool:
        return (f == "all" or f == f"domain:{t.domain}" or (f == "household_meter" and t.household_meter)
                or (f == "mandatory" and t.mandatory))

    level = {r.code: r.level for r in ds.regions}
    out = {}
    for r in ds.regions:
        out[r.code] = {}
        for f in FILTERS:
            mine = [k for k in items if level.get(k[0]) == "county" and at_or_below(k[0], r.code)
                    and in_filter(types[k[1]], f)]
            n, inst_ = len(mine), sum(items[k] for k in mine)
            cov = [k for k in mine if covering[k]]
            ci = sum(items[k] for k in cov)
            total = sum(load[k] for k in mine)
            out[r.code][f] = {
                "items": n, "covered_items": len(cov), "coverage": len(cov) / n if n else None,
                "instruments": inst_, "covered_instruments": ci, "weighted_coverage": ci / inst_ if inst_ else None,
                "annual_load": total / L, "capacity_rate": ref_flow(cov, load, covering, standards, L) / total
                if total else None,
            }
    return out


def ref_flow(items: list, load: dict, covering: dict, standards: dict, L: int) -> int:
    G = nx.DiGraph()
    G.add_node("source")
    G.add_node("sink")
    for k in items:
        G.add_edge("source", ("i", k), capacity=load[k])
        for s in covering[k]:
            G.add_edge(("i", k), ("s", s))  # unbounded
            cap = standards[s].capacity_per_year
            if cap is None:
                G.add_edge(("s", s), "sink")
            else:
                G.add_edge(("s", s), "sink", capacity=cap * L)
    return int(nx.maximum_flow_value(G, "source", "sink"))


def fast_figures(ds: Dataset, as_of: dt.date) -> dict[str, dict[str, dict]]:
    report = coverage_in(compile_dataset(ds), as_of)
    return {code: {f: fig.model_dump() for f, fig in r.figures.items()} for code, r in report.regions.items()}


def assert_same(fast: dict, ref: dict) -> None:
    assert fast.keys() == ref.keys()
    for code in ref:
        for f in FILTERS:
            for key in KEYS:
                a, b = fast[code][f][key], ref[code][f][key]
                assert a == b and type(a) is type(b), (code, f, key, a, b)


# --- random datasets ----------------------------------------------------------------------------------
def crowded_dataset(seed: int, big: bool = False) -> Dataset:
    """Many counties served by overlapping institutions with bounded capacities, so components are
    large, pieces repeat across regions and filters, and several need the general max-flow. ``big``:
    counts and capacities past int32 (the networkx fallback) and past 2**62 (exact Python ints)."""
    rnd = random.Random(seed)
    regions = [region("370000", "province")]
    counties = []
    for c in range(1, 4):
        regions.append(region(f"37{c:02d}00", "city", "370000"))
        for k in range(1, 5):
            counties.append(f"37{c:02d}{k:02d}")
            regions.append(region(counties[-1], "county", f"37{c:02d}00"))
    codes = [r.code for r in regions]
    institutions = [inst("NIM", "national", None, serves=["370000"])]
    for r in regions:
        institutions.append(inst(f"L{r.code}", r.level, r.code, serves=rnd.sample(codes, rnd.randint(0, 2))))
    types = [itype(f"T{k}", period=rnd.choice([6, 12, 24, 36, 120]), domain=rnd.choice(["trade", "safety"]),
                   mandatory=rnd.random() < 0.5, household=rnd.random() < 0.5) for k in range(4)]
    tcodes = [t.code for t in types]
    scale = 10**18 if big else 1
    standards = [std("P", "NIM", primary=True)]
    links = []
    for i in institutions[1:]:
        for k in range(rnd.randint(1, 3)):
            sid = f"{i.id}.{k}"
            cap = rnd.choice([None, *range(0, 40)]) if rnd.random() < 0.9 else None
            standards.append(std(sid, i.id, rnd.sample(tcodes, rnd.randint(1, 3)),
                                 capacity=None if cap is None else cap * scale, expiry=AS_OF + dt.timedelta(400)))
            links.append(link(sid, "P"))
    demand = [need(c, t, rnd.randint(1, 60) * scale) for c in counties for t in tcodes if rnd.random() < 0.85]
    return Dataset(regions=regions, institutions=institutions, instrument_types=types, standards=standards,
                   traceability=links, demand=demand)


@pytest.mark.parametrize("seed", range(40))
def test_coverage_equals_the_per_item_reference_on_random_datasets(seed: int) -> None:
    ds = random_dataset(seed) if seed % 2 else random_dated_dataset(seed)
    assert_same(fast_figures(ds, AS_OF), ref_figures(ds, AS_OF))


@pytest.mark.parametrize("seed", range(12))
def test_coverage_equals_the_reference_where_pieces_are_large_and_shared(seed: int) -> None:
    ds = crowded_dataset(seed)
    assert_same(fast_figures(ds, AS_OF), ref_figures(ds, AS_OF))


@pytest.mark.parametrize("seed", range(4))
def test_coverage_stays_exact_past_int32_and_int64(seed: int) -> None:
    ds = crowded_dataset(seed, big=True)
    ix = compile_dataset(ds)
    assert ix.arrays.wide
    assert_same(fast_figures(ds, AS_OF), ref_figures(ds, AS_OF))


def test_the_crowded_datasets_exercise_the_general_max_flow() -> None:
    """Guard for the tests above: some region's capacity is a real bottleneck (rate strictly between 0
    and the coverage), so the flows are not all closed forms."""
    ds = crowded_dataset(0)
    rates = [(f["capacity_rate"], f["coverage"]) for r in fast_figures(ds, AS_OF).values() for f in r.values()]
    assert any(r is not None and 0 < r < c for r, c in rates)


def test_the_samples_equal_the_reference() -> None:
    ds = read_dataset(SAMPLES / "zaozhuang")
    day = ds.default_as_of()
    assert_same(fast_figures(ds, day), ref_figures(ds, day))


def test_dataset_figures_are_the_sum_over_every_county() -> None:
    ds = random_dataset(3)
    ix = compile_dataset(ds)
    whole = dataset_figures_in(ix, AS_OF)
    tops = [r for r in ix.regions if r not in ix.parent]
    if len(tops) == 1:
        assert whole == coverage_in(ix, AS_OF, regions=tops).regions[tops[0]].figures["all"]
    assert whole.items == sum(1 for c, _ in ix.demand if ix.regions[c]["level"] == "county")


# --- the index straight from the dataset ------------------------------------------------------------------
def index_content(ix) -> dict:
    """Every field, with the orders that matter made visible (dict key orders, list orders)."""
    out = {}
    for f in dataclasses.fields(ix):
        value = getattr(ix, f.name)
        out[f.name] = [(k, list(v.items()) if isinstance(v, dict) else v) for k, v in sorted(value.items())]
        out[f.name + " order"] = list(value) if f.name in ("regions", "institutions", "standards", "types",
                                                          "demand") else None
    return out


def messy_dataset(seed: int) -> Dataset:
    """A random dataset as a registry might hand it over before validation: rows shuffled, repeated
    links (successive calibrations) and demand rows, demand not grouped by county."""
    ds = random_dated_dataset(seed)
    rnd = random.Random(seed)
    links = list(ds.traceability)
    for lk in rnd.sample(links, min(3, len(links))):
        links.append(lk.model_copy(update={"valid_until": lk.valid_until + dt.timedelta(rnd.choice([-5, 0, 5]))}))
    demand = list(ds.demand)
    for d in rnd.sample(demand, min(3, len(demand))):
        demand.append(d.model_copy(update={"count": rnd.choice([0, 7])}))
    rnd.shuffle(links)
    rnd.shuffle(demand)
    standards = list(ds.standards)
    rnd.shuffle(standards)
    return ds.model_copy(update={"traceability": links, "demand": demand, "standards": standards})


@pytest.mark.parametrize("seed", range(20))
def test_compile_dataset_gives_the_graphs_index(seed: int) -> None:
    ds = random_dataset(seed) if seed < 10 else messy_dataset(seed)
    assert index_content(compile_dataset(ds)) == index_content(compile_graph(build_graph(ds)))


@pytest.mark.parametrize("name", ["zaozhuang", "shandong"])
def test_compile_dataset_gives_the_graphs_index_on_the_samples(name: str) -> None:
    ds = read_dataset(SAMPLES / name)
    assert index_content(compile_dataset(ds)) == index_content(compile_graph(build_graph(ds)))


def arrays_content(ix) -> dict:
    """Every array and list of ``ix.arrays``, as plain lists, the item and link keys included (what they are
    made from, and the covering cache, left out)."""
    A = ix.arrays
    keys = {"item_keys": A.item_keys, "link_keys": A.link_keys}
    return {k: v.tolist() if hasattr(v, "tolist") else v for k, v in {**vars(A), **keys}.items()
            if not k.startswith("_")}


def repeated_standard(seed: int) -> Dataset:
    """A messy dataset in which one standard id has two rows: the later row's attributes hold."""
    ds = messy_dataset(seed)
    twice = ds.standards[seed % len(ds.standards)]
    again = twice.model_copy(update={"primary": not twice.primary, "verifies": [*twice.verifies, *twice.verifies]})
    return ds.model_copy(update={"standards": [*ds.standards, again]})


@pytest.mark.parametrize("seed", range(24))
def test_the_arrays_read_off_the_rows_equal_the_arrays_of_the_built_index(seed: int) -> None:
    """compile_dataset leaves the standards, links and demand as rows; the arrays read them as columns.
    They must be the arrays of the index whose every group is built first (the dicts the other
    algorithms read), on clean, messy and repeated-id datasets."""
    ds = (random_dataset, messy_dataset, repeated_standard)[seed % 3](seed)
    lazy, built = compile_dataset(ds), compile_dataset(ds)
    assert built.standards is not None and built.upstream is not None and built.demand is not None
    assert "standards" not in vars(lazy) and "upstream" not in vars(lazy)
    assert arrays_content(lazy) == arrays_content(built)
    assert arrays_content(lazy) == arrays_content(compile_graph(build_graph(ds)))
    # Read off the rows indeed (a repeated id needs the merged dicts); demand items are always a dict.
    assert ("standards" in vars(lazy)) == (seed % 3 == 2) and "upstream" not in vars(lazy)


def test_a_group_left_for_first_use_is_built_once_and_seen_whole_by_every_thread() -> None:
    ds = messy_dataset(4)
    names = ["held", "standards", "upstream", "downstream", "demand", "holder", "verifies", "calibrated_on"] * 4
    ix = compile_dataset(ds)
    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda name: getattr(ix, name), names))
    assert all(value is getattr(ix, name) for value, name in zip(seen, names, strict=True))  # one build each
    assert index_content(ix) == index_content(compile_graph(build_graph(ds)))
    # Pickled before its groups are built (the planner's problem goes to a solver process), it still builds them.
    again = pickle.loads(pickle.dumps(compile_dataset(ds)))
    assert "standards" not in vars(again) and index_content(again) == index_content(ix)


# --- the fixpoint, the covering map and the dominator tree over arrays -----------------------------------------
@pytest.mark.parametrize("seed", range(30))
def test_the_vectorised_fixpoint_equals_the_walk(seed: int) -> None:
    ds = random_dated_dataset(seed)
    ix = compile_dataset(ds)
    rnd = random.Random(seed)
    ids = list(ix.standards)
    for _ in range(5):
        failed, renewed = rnd.sample(ids, rnd.randint(0, 3)), rnd.sample(ids, rnd.randint(0, 3))
        day = AS_OF + dt.timedelta(days=rnd.choice([-400, 0, 1, 200, 800]))
        assert traceable_in(ix, day, failed=failed, renewed=renewed) == traceable_walk(ix, day, failed=failed,
                                                                                      renewed=renewed)


@pytest.mark.parametrize("seed", range(10))
def test_covering_and_impact_counts_agree_with_their_definitions(seed: int) -> None:
    ds = random_dated_dataset(seed)
    ix = compile_dataset(ds)
    traceable = traceable_walk(ix, AS_OF)
    covering = covering_in(ix, traceable)
    for (county, t) in ix.demand:
        found = sorted(s for s in traceable if t in ix.verifies.get(s, ()) and ix.holder[s] in ix.serving[county])
        assert covering.get((county, t), []) == found
    impacts = failure_impacts_in(ix, AS_OF, traceable)
    nodes = [*ix.standards, *(link_node(s, u) for s in ix.upstream for u in ix.upstream[s]), "nothing"]
    broken, items, instruments = impacts.counts(nodes)
    for node, b, i, n in zip(nodes, broken, items, instruments, strict=True):
        assert (b, i, n) == (len(impacts.broken_standards(node)), len(impacts.lost_items(node)),
                             impacts.lost_instruments(node)), node
        assert n == sum(ix.demand[x] for x in impacts.lost_items(node))


# --- the figure paths need no graph ------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_the_backend_from_a_dataset_equals_the_backend_over_its_graph(seed: int) -> None:
    ds = random_dated_dataset(seed)
    fast, graph = NetworkxBackend.from_dataset(ds), NetworkxBackend(build_graph(ds))
    assert fast.coverage(AS_OF) == graph.coverage(AS_OF)
    assert fast.gaps(AS_OF, 180) == graph.gaps(AS_OF, 180)
    assert fast.targets(AS_OF) == graph.targets(AS_OF)
    some = ds.standards[seed % len(ds.standards)].id
    assert fast.chain(some, AS_OF) == graph.chain(some, AS_OF)
    assert fast._G is None  # no graph was built


def test_the_workspace_builds_no_graph_for_its_figures() -> None:
    ds = read_dataset(SAMPLES / "zaozhuang")
    ws = Workspace("zaozhuang", ds, ds.default_as_of())
    ix = compile_dataset(ds)
    traceable = traceable_in(ix, ws.as_of)
    assert ws.coverage == coverage_in(ix, ws.as_of)
    assert ws.gaps(180) == gaps_in(ix, ws.as_of, 180, traceable, covering_in(ix, traceable),
                                   failure_impacts_in(ix, ws.as_of, traceable))
    assert "G" not in ws.__dict__
    assert ws.G.number_of_nodes() > 0  # still there for whoever asks


def test_the_figure_paths_import_neither_networkx_nor_scipy() -> None:
    """Coverage and gaps from a dataset load no networkx; scipy only when a piece needs the general
    max-flow (never when every capacity is blank)."""
    code = ("import sys\n"
            f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
            "from randomdata import random_dataset, AS_OF\n"
            "from tracegraph.backends import NetworkxBackend\n"
            "ds = random_dataset(5)\n"
            "ds = ds.model_copy(update={'standards': [s.model_copy(update={'capacity_per_year': None})\n"
            "                                         for s in ds.standards]})\n"
            "b = NetworkxBackend.from_dataset(ds)\n"
            "b.coverage(AS_OF), b.gaps(AS_OF), b.targets(AS_OF)\n"
            "assert 'networkx' not in sys.modules, 'networkx'\n"
            "assert 'scipy' not in sys.modules, 'scipy'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
