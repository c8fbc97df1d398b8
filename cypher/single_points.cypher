// single_points.cypher — single points of failure at $as_of: traceable standards whose failure alone
// uncovers demand, ranked by instruments lost.
// Returns: standard, name, institution, level, broken_standards (how many downstream standards would lose
// their chain), lost_items, lost_instruments.
// How: for every traceable standard s, its dominators are s itself and the upstream standards that every
// valid path from s to a primary standard passes through. A failure of x breaks exactly the standards x
// dominates, and uncovers exactly the items for which x dominates every covering standard.
// :param as_of => date('2026-01-01')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (s:Standard {v: meta.version})
WHERE s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  AND EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  }
CALL (s) {
  OPTIONAL MATCH (s)-[:TRACES_TO*1..]->(a:Standard)
  WITH DISTINCT a
  WHERE a IS NOT NULL AND NOT EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u <> a AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary AND p <> a
  }
  RETURN collect(a) AS dominators
}
WITH s, [s] + dominators AS doms
// The demand items each traceable standard covers (its type, a county its institution serves).
CALL (s) {
  OPTIONAL MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)<-[n:NEEDS]-(c:Region)
  WHERE n.count > 0
    AND EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(h)
                 WHERE type(reach) = 'SERVES' OR h.level <> 'national' }
  RETURN collect(n) AS needs
}
WITH collect({s: s, doms: doms, needs: needs}) AS entries
// An item is lost by x when x dominates every standard that covers it.
CALL (entries) {
  UNWIND entries AS e
  UNWIND e.needs AS n
  WITH n, collect(e.doms) AS domsets
  UNWIND reduce(acc = head(domsets), d IN tail(domsets) | [x IN acc WHERE x IN d]) AS x
  RETURN x, count(*) AS lost_items, sum(n.count) AS lost_instruments
}
CALL (entries, x) {
  UNWIND entries AS e
  WITH e WHERE x IN tail(e.doms)
  RETURN count(*) AS broken_standards
}
MATCH (i:Institution)-[:HOLDS]->(x)
RETURN x.id AS standard, x.name AS name, i.id AS institution, i.level AS level,
       broken_standards, lost_items, lost_instruments
ORDER BY lost_instruments DESC, lost_items DESC, standard;
