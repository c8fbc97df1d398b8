"""The planner: exact answers checked against brute force, and the cases the issue names."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from builders import AS_OF, EARLIER, dataset, link, need, std
from randomdata import random_dataset

from tracegraph._index import compile_graph
from tracegraph.algorithms.coverage import dataset_figures_in
from tracegraph.algorithms.targets import evaluate_in
from tracegraph.graph import build_graph
from tracegraph.models import Candidate, Target
from tracegraph.planning import PlanningProblem
from tracegraph.planning._apply import apply_plan
from tracegraph.planning._universe import Universe


def candidate(id: str, verifies: list[str], levels: list[str], cost: float, capacity: int | None = None,
              quantity: str = "mass") -> Candidate:
    return Candidate(id=id, name=f"Cand {id}", quantity=quantity, verifies=verifies, levels=levels,
                     build_cost=cost, capacity_per_year=capacity)


def figures_after(u: Universe, actions: list[str]):
    ds, _ = apply_plan(u, dict.fromkeys(actions, 0))
    ix = compile_graph(build_graph(ds))
    return ix, dataset_figures_in(ix, AS_OF)


def all_actions(u: Universe) -> list[str]:
    return sorted([*u.builds, *u.renewable])


# --- brute force on small random instances ---------------------------------------------
def planning_instance(seed: int):
    """A random dataset with a few candidates and renewals: at most 9 actions, so 512 subsets."""
    rnd = random.Random(seed)
    ds = random_dataset(seed)
    types = [t.code for t in ds.instrument_types]
    cands = [candidate(f"K{k}", rnd.sample(types, rnd.randint(1, 2)), rnd.sample(["province", "city", "county"],
                       rnd.randint(1, 2)), float(rnd.randint(1, 6)), rnd.choice([None, 5, 40]))
             for k in range(rnd.randint(1, 3))]
    standards = [s.model_copy(update={"renewal_cost": float(rnd.randint(1, 4))}) if rnd.random() < 0.5 else s
                 for s in ds.standards]
    ds = ds.model_copy(update={"candidates": cands, "standards": standards})
    u = Universe(ds, AS_OF, [AS_OF.year])
    return ds, u


def instances(n: int, limit: int = 9):
    found, seed = [], 0
    while len(found) < n:
        ds, u = planning_instance(seed)
        if 2 <= len(all_actions(u)) <= limit:
            found.append((seed, ds, u))
        seed += 1
    return found


INSTANCES = instances(10)


@pytest.mark.parametrize(("seed", "ds", "u"), INSTANCES, ids=[f"seed{s}" for s, _, _ in INSTANCES])
def test_budget_mode_matches_brute_force(seed, ds, u):
    actions = all_actions(u)
    results = []
    for r in range(len(actions) + 1):
        for subset in itertools.combinations(actions, r):
            cost = sum(u.action(a).cost for a in subset)
            results.append((cost, figures_after(u, list(subset))[1].covered_instruments))
    total = sum(u.action(a).cost for a in actions)
    for budget in (0.0, total / 3, total / 2, total):
        best = max(v for c, v in results if c <= budget + 1e-9)
        cheapest = min(c for c, v in results if c <= budget + 1e-9 and v == best)
        plan = PlanningProblem.from_dataset(ds, AS_OF, mode="budget", budget=budget).solve()
        assert plan.status == "optimal"
        assert plan.after.covered_instruments == best
        assert plan.total_cost == pytest.approx(cheapest)
        assert plan.total_cost <= budget + 1e-9


def coverage_targets_met(ix, targets) -> bool:
    return all(r.met is not False for r in evaluate_in(ix, AS_OF, targets) if r.metric != "standards_count")


@pytest.mark.parametrize(("seed", "ds", "u"), INSTANCES, ids=[f"seed{s}" for s, _, _ in INSTANCES])
def test_target_mode_matches_brute_force(seed, ds, u):
    rnd = random.Random(seed)
    targets = [Target(id="cov", metric="coverage", filter="all", threshold=rnd.choice([0.5, 0.8, 1.0])),
               Target(id="cap", metric="capacity_rate", filter="all", threshold=rnd.choice([0.3, 0.6, 0.9]))]
    actions = all_actions(u)
    feasible = []
    for r in range(len(actions) + 1):
        for subset in itertools.combinations(actions, r):
            ix, _ = figures_after(u, list(subset))
            if coverage_targets_met(ix, targets):
                feasible.append(sum(u.action(a).cost for a in subset))
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets", targets=targets).solve()
    if not feasible:
        assert plan.status == "infeasible"
        assert plan.unmet and not plan.actions
    else:
        assert plan.status == "optimal"
        assert plan.total_cost == pytest.approx(min(feasible))
        assert all(r.met is not False for r in plan.targets_after)


# --- the cases the issue names ----------------------------------------------------------
def chain_dataset(**extra):
    """NIM primary → PROV standard; city CITY4 and counties have nothing: T1 demand in 370402."""
    standards = [std("P", "NIM", [], primary=True), std("S1", "PROV", []),
                 std("S2", "CITY4", ["T1"], expiry=EARLIER, renewal_cost=2.0)]
    links = [link("S1", "P"), link("S2", "S1")]
    return dataset(standards, links, [need("370402", "T1", 10), need("370403", "T2", 7)], **extra)


def test_zero_budget_plans_nothing():
    ds = chain_dataset(candidates=[candidate("K", ["T2"], ["county"], 3.0)])
    plan = PlanningProblem.from_dataset(ds, AS_OF, budget=0).solve()
    assert plan.actions == [] and plan.total_cost == 0
    assert plan.after == plan.before


def test_renewal_cheaper_than_build_is_chosen():
    ds = chain_dataset(candidates=[candidate("K", ["T1"], ["county"], 9.0)])
    plan = PlanningProblem.from_dataset(ds, AS_OF, budget=20).solve()
    assert [(a.kind, a.standard, a.cost) for a in plan.actions] == [("renew", "S2", 2.0)]
    assert plan.after.covered_instruments == 10
    builds_only = PlanningProblem.from_dataset(ds, AS_OF, budget=20, renewals=False).solve()
    assert [(a.kind, a.standard) for a in builds_only.actions] == [("build", "K@CTY402")]
    assert builds_only.after.covered_instruments == 10


def test_default_renewal_cost_is_configurable():
    standards = [std("P", "NIM", [], primary=True), std("S", "PROV", ["T1"], expiry=EARLIER)]
    ds = dataset(standards, [link("S", "P")], [need("370402", "T1", 5)])
    assert PlanningProblem.from_dataset(ds, AS_OF, budget=10, renewal_cost=7.5).solve().total_cost == 7.5
    assert PlanningProblem.from_dataset(ds, AS_OF, budget=7, renewal_cost=7.5).solve().actions == []


def flow(s):
    return s.model_copy(update={"quantity": "flow"})


def test_build_waits_for_the_renewal_of_its_only_calibrator():
    """Under the spec's Reach rule whatever can calibrate a city build can also calibrate a county
    build below it, so a build's precedence runs through existing standards: here the only "flow"
    standard above the county is expired and must be renewed first."""
    standards = [std("P", "NIM", [], primary=True), flow(std("S1", "PROV", [], expiry=EARLIER, renewal_cost=3.0))]
    ds = dataset(standards, [link("S1", "P")], [need("370402", "T1", 10)],
                 candidates=[candidate("KX", ["T1"], ["county"], 1.0, quantity="flow")])
    plan = PlanningProblem.from_dataset(ds, AS_OF, budget=10).solve()
    assert [(a.kind, a.standard) for a in plan.actions] == [("renew", "S1"), ("build", "KX@CTY402")]
    renew, build = plan.actions
    assert build.calibrated_by == ["S1"] and build.new_instruments == 10 and renew.new_instruments == 0
    assert plan.after.covered_instruments == 10
    # The build alone would be untraceable, so with room for only one of the two nothing is worth doing.
    assert PlanningProblem.from_dataset(ds, AS_OF, budget=3.5).solve().actions == []


def test_ties_go_to_the_cheaper_action():
    standards = [std("P", "NIM", [], primary=True)]
    cands = [candidate("DEAR", ["T1"], ["county"], 5.0), candidate("CHEAP", ["T1"], ["county"], 2.0)]
    ds = dataset(standards, [], [need("370402", "T1", 10)], candidates=cands)
    plan = PlanningProblem.from_dataset(ds, AS_OF, budget=100).solve()
    assert [a.standard for a in plan.actions] == ["CHEAP@CTY402"]


def test_unreachable_targets_are_named_with_the_reason():
    standards = [std("P", "NIM", [], primary=True), std("S", "PROV", ["T1"])]
    ds = dataset(standards, [link("S", "P")], [need("370402", "T1", 10), need("370403", "T2", 5)],
                 candidates=[candidate("K", ["T1"], ["county"], 1.0)],
                 targets=[Target(id="full", metric="coverage", filter="all", threshold=1.0)])
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets").solve()
    assert plan.status == "infeasible" and plan.actions == []
    [unmet] = plan.unmet
    assert unmet.target == "full" and unmet.best == pytest.approx(0.5)
    assert "no standard and no candidate verifies" in unmet.reasons[0] and "T2" in unmet.reasons[0]
    assert [(i.county, i.instrument_type, i.reason) for i in unmet.items] == [
        ("370403", "T2", "no_standard_or_candidate")]
    assert "没有任何计量标准或候选标准" in unmet.describe("zh")[0]


def test_capacity_target_is_met_through_capacity():
    """Everything is covered already; only capacity is short, so the plan adds a standard for capacity."""
    standards = [std("P", "NIM", [], primary=True), std("S", "PROV", ["T1"], capacity=60)]
    ds = dataset(standards, [link("S", "P")], [need("370402", "T1", 100)],
                 candidates=[candidate("BIG", ["T1"], ["county"], 8.0, capacity=50),
                             candidate("SMALL", ["T1"], ["county"], 3.0, capacity=10)],
                 targets=[Target(id="cap", metric="capacity_rate", filter="all", threshold=0.95)])
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets").solve()
    assert plan.before.coverage == 1.0 and plan.before.capacity_rate == pytest.approx(0.6)
    assert [a.standard for a in plan.actions] == ["BIG@CTY402"]
    assert plan.after.capacity_rate == pytest.approx(1.0)
    assert plan.targets_after[0].met


def test_phased_plan_respects_each_years_budget():
    standards = [std("P", "NIM", [], primary=True)]
    cands = [candidate(f"K{k}", ["T1"], ["county"], 4.0) for k in range(1)]
    demand = [need("370402", "T1", 10), need("370403", "T1", 20), need("370502", "T1", 30)]
    ds = dataset(standards, [], demand, candidates=cands)
    plan = PlanningProblem.from_dataset(ds, AS_OF, budget_per_year=5, years=[2026, 2027, 2028]).solve()
    assert plan.status == "optimal"
    assert [(a.year, a.standard) for a in plan.actions] == [
        (2026, "K0@CTY502"), (2027, "K0@CTY403"), (2028, "K0@CTY402")]  # the largest demand first
    assert [y.cost for y in plan.by_year] == [4.0, 4.0, 4.0]
    assert [y.figures.covered_instruments for y in plan.by_year] == [30, 50, 60]


def test_greedy_reports_a_bound_no_better_than_the_optimum():
    for _, ds, _ in INSTANCES[:5]:
        exact = PlanningProblem.from_dataset(ds, AS_OF, budget=4).solve()
        greedy = PlanningProblem.from_dataset(ds, AS_OF, budget=4).solve("greedy")
        assert greedy.total_cost <= 4 + 1e-9
        assert greedy.objective <= exact.objective
        if greedy.status == "optimal":  # proven: as much as the optimum, and no dearer
            assert greedy.objective == exact.objective and greedy.total_cost == exact.total_cost
        elif greedy.objective < exact.objective:  # the bound is on the objective, the gap its share
            assert exact.objective <= greedy.bound + 1e-6
            assert greedy.gap == pytest.approx((greedy.bound - greedy.objective) / greedy.bound)


def test_greedy_is_for_budgets_only():
    ds = chain_dataset(targets=[Target(id="c", metric="coverage", filter="all", threshold=0.5)])
    with pytest.raises(ValueError, match="greedy"):
        PlanningProblem.from_dataset(ds, AS_OF, mode="targets").solve("greedy")


def test_bad_arguments_are_refused():
    ds = chain_dataset()
    with pytest.raises(ValueError, match="needs a budget"):
        PlanningProblem.from_dataset(ds, AS_OF, mode="budget")
    with pytest.raises(ValueError, match="negative"):
        PlanningProblem.from_dataset(ds, AS_OF, budget=-1)
    with pytest.raises(ValueError, match="yearly budgets"):
        PlanningProblem.from_dataset(ds, AS_OF, budget_per_year=[1, 2], years=[2026])


# --- explanations, the contract, the request ---------------------------------------------
@pytest.fixture(scope="module")
def zaozhuang_plan():
    from tracegraph.io import read_dataset

    ds = read_dataset(Path(__file__).resolve().parents[1] / "data" / "standards" / "zaozhuang")
    return PlanningProblem.from_dataset(ds, ds.default_as_of(), budget=300).solve()  # at its snapshot date


def test_new_instruments_add_up_to_the_plans_gain(zaozhuang_plan):
    plan = zaozhuang_plan
    assert plan.status == "optimal" and plan.actions
    gained = plan.after.covered_instruments - plan.before.covered_instruments
    assert sum(a.new_instruments for a in plan.actions) == gained
    assert sum(a.new_items for a in plan.actions) == plan.after.covered_items - plan.before.covered_items
    for a in plan.actions:
        assert a.calibrated_by, a.standard  # every action traces somewhere
        assert sorted({c for c, _ in a.items}) == a.counties


def test_ranking_lists_every_relevant_action_by_instruments_per_10k(zaozhuang_plan):
    ranking = zaozhuang_plan.ranking
    assert [r.per_10k_yuan for r in ranking] == sorted((r.per_10k_yuan for r in ranking), reverse=True)
    assert {r.standard for r in ranking if r.chosen} == {a.standard for a in zaozhuang_plan.actions}
    for r in ranking:
        assert r.per_10k_yuan == pytest.approx(r.new_instruments / r.cost)


def test_contract_keys(zaozhuang_plan):
    out = zaozhuang_plan.to_contract()
    assert {"status", "gap", "total_cost", "actions", "builds", "before", "after"} <= set(out)
    assert out["builds"] == [a for a in out["actions"] if a["kind"] == "build"]
    assert set(out["before"]) == {"items", "covered_items", "coverage", "instruments", "covered_instruments",
                                  "weighted_coverage", "annual_load", "capacity_rate"}
    for a in out["actions"]:
        assert {"kind", "candidate", "institution", "standard", "cost", "year", "new_items",
                "new_instruments"} <= set(a)


def test_request_workbook_and_summary(zaozhuang_plan, tmp_path):
    from openpyxl import load_workbook

    from tracegraph.planning.request import request_markdown, write_request

    path = write_request(zaozhuang_plan, tmp_path / "request.xlsx")
    wb = load_workbook(path)
    rows = list(wb["项目清单"].iter_rows(values_only=True))
    assert rows[0][:8] == ("项目名称", "建设单位", "级别", "投资估算(万元)", "年度", "新增覆盖器具数",
                           "对应规划目标", "溯源上级")
    assert len(rows) == len(zaozhuang_plan.actions) + 2  # header, actions, totals
    assert rows[-1][0] == "合计" and rows[-1][3] == pytest.approx(zaozhuang_plan.total_cost)
    years = list(wb["分年度预算"].iter_rows(min_row=2, values_only=True))
    assert any(r[0] == zaozhuang_plan.years[0] for r in years)
    english = load_workbook(write_request(zaozhuang_plan, tmp_path / "en.xlsx", "en"))
    assert next(english["Actions"].iter_rows(values_only=True))[0] == "Project"
    md = request_markdown(zaozhuang_plan)
    assert f"{zaozhuang_plan.total_cost:,.2f}" in md and md.count("\n| ") >= len(zaozhuang_plan.actions)
    assert "Budget request" in request_markdown(zaozhuang_plan, "en")


def eager_greedy(u: Universe, budget: float) -> set[str]:
    """The greedy rule re-evaluating every action each round (the lazy heap must choose the same)."""
    from tracegraph.planning import _explain

    y = u.at[0]
    traceable, covered, taken, left = set(y.base), set(), set(), round(budget * 100)
    actions = sorted(y.relevant(set()) & (set(u.builds) | set(u.renewable)))
    while True:
        best = None
        for a in actions:
            if a in taken:
                continue
            reached, needs = _explain.alone_gain(y, a, traceable)
            bundle = [a, *[n for n in needs if n not in taken]]
            cost = sum(u.action(x).cents for x in bundle)
            items = [i for i in _explain.items_reached(y, reached - traceable) if i not in covered]
            gain = sum(u.ix.demand[i] for i in items)
            if reached and cost <= left and gain > 0:
                key = (gain / cost, -cost, a)
                if best is None or key > best[0]:
                    best = (key, bundle, reached, items, cost)
        if best is None:
            return taken
        _, bundle, reached, items, cost = best
        taken |= set(bundle)
        traceable |= reached
        covered |= set(items)
        left -= cost


@pytest.mark.parametrize(("seed", "ds", "u"), INSTANCES, ids=[f"seed{s}" for s, _, _ in INSTANCES])
def test_lazy_greedy_chooses_as_eager_greedy(seed, ds, u):
    from tracegraph.planning._greedy import _State

    for budget in (3.0, 8.0):
        f = PlanningProblem.from_dataset(ds, AS_OF, budget=budget).formulation()
        state = _State(f.u.at[0], f.actions, {})
        state.fill(0, round(budget * 100))
        assert set(state.taken) == eager_greedy(f.u, budget)
        plan = PlanningProblem.from_dataset(ds, AS_OF, budget=budget).solve("greedy")
        assert {a.standard for a in plan.actions} <= set(state.taken)  # trimmed, never more
