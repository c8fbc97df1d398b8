// single_points.cypher — single points of failure at $as_of: traceable standards whose failure alone
// uncovers demand, ranked by instruments lost; with $region, only the standards held by institutions
// located in its subtree or serving a county of it are listed (what they take down is counted everywhere).
// Returns: standard, name, institution, level, broken_standards (how many downstream standards would lose
// their chain), lost_items, lost_instruments.
// How: the traceable standards are found once (validity as in traceable.cypher). For each traceable
// standard s, its dominators are s itself and the upstream standards that every valid path from s to a
// primary standard passes through. A failure of x breaks exactly the standards x dominates, and uncovers
// exactly the items for which x dominates every covering standard.
// :param as_of => date('2026-09-30')
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (p:Standard {v: meta.version, primary: true})
WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
           WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
             AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
             AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
WITH DISTINCT s
CALL (s) {
  OPTIONAL MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
                      WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
                        AND u.status = 'in_service' AND coalesce(u.established <= $as_of, true)
                        AND (u.primary OR u.certificate_expiry >= $as_of))+ (a:Standard)
  WITH DISTINCT a
  WHERE a IS NOT NULL AND NOT EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true) AND u <> a
                 AND u.status = 'in_service' AND coalesce(u.established <= $as_of, true)
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (q:Standard)
    WHERE q.primary AND q <> a
  }
  RETURN collect(a) AS dominators
}
WITH collect({s: s, doms: [s] + dominators}) AS entries
// An item is lost by x when x dominates every standard that covers it. The items a standard covers: its
// type, a county its institution serves (walked once per institution and type).
CALL (entries) {
  UNWIND entries AS e
  WITH e.s AS s, e.doms AS doms
  MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)
  WITH h, t, collect(doms) AS domsets
  MATCH (h)-[reach:LOCATED_IN|SERVES]->(:Region)<-[:PART_OF*0..2]-(:Region)-[n:NEEDS]->(t)
  WHERE (type(reach) = 'SERVES' OR h.level <> 'national') AND n.count > 0
  WITH DISTINCT h, t, domsets, n
  WITH n, reduce(acc = [], d IN collect(domsets) | acc + d) AS domsets
  UNWIND reduce(acc = head(domsets), d IN tail(domsets) | [x IN acc WHERE x IN d]) AS x
  RETURN x, count(*) AS lost_items, sum(n.count) AS lost_instruments
}
MATCH (i:Institution)-[:HOLDS]->(x)
WHERE $region IS NULL
   OR EXISTS { MATCH (i)-[:LOCATED_IN]->(:Region)-[:PART_OF*0..2]->(:Region {code: $region}) }
         OR EXISTS { MATCH (c:Region {level: 'county'})-[:PART_OF*0..2]->(:Region {code: $region})
                     MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i)
                     WHERE type(reach) = 'SERVES' OR i.level <> 'national' }
CALL (entries, x) {
  UNWIND entries AS e
  WITH e WHERE x IN tail(e.doms)
  RETURN count(*) AS broken_standards
}
RETURN x.id AS standard, x.name AS name, i.id AS institution, i.level AS level,
       broken_standards, lost_items, lost_instruments
ORDER BY lost_instruments DESC, lost_items DESC, standard;
