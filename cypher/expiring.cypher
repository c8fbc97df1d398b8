// expiring.cypher — certificates and traceability links valid at $as_of that lapse within $days days,
// each with what its lapse alone would take down; with $region, only those of standards held by
// institutions located in its subtree or serving a county of it (a link belongs to its downstream standard).
// Returns: kind ('certificate' | 'link'), standard, upstream (links only), institution, expires, days_left,
// broken_standards (ids of the standards whose chains would break), lost_items, lost_instruments.
// How: the traceable standards are found once (validity as in traceable.cypher); as in
// single_points.cypher, through dominators — the standards, and here also the expiring links, that every
// valid path from a traceable standard to a primary standard passes through. A standard whose
// `established` date is after $as_of does not exist yet: neither its certificate nor its links (nor a
// link to it) are listed.
// :param as_of => date('2026-09-30')
// :param days => 180
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
WITH meta, $as_of + duration({days: $days}) AS horizon
// Collected in a subquery: with nothing traceable the certificates are still listed.
CALL (meta, horizon) {
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
  CALL (s, horizon) {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
                 AND u.status = 'in_service' AND coalesce(u.established <= $as_of, true)
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (y:Standard)
    WITH DISTINCT y
    MATCH (y)-[k:TRACES_TO]->(z:Standard)
    WHERE $as_of <= k.valid_until <= horizon AND coalesce(k.calibrated_on <= $as_of, true)
      AND z.status = 'in_service' AND coalesce(z.established <= $as_of, true)
      AND (z.primary OR z.certificate_expiry >= $as_of)
      AND NOT EXISTS {
        MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
                   WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true) AND l <> k
                     AND u.status = 'in_service' AND coalesce(u.established <= $as_of, true)
                     AND (u.primary OR u.certificate_expiry >= $as_of))* (q:Standard)
        WHERE q.primary
      }
    RETURN collect(k) AS link_dominators
  }
  RETURN collect({s: s, doms: [s] + dominators + link_dominators}) AS entries
}
// One row per expiring certificate or link x, with what x's failure takes down, joined by grouping on x:
// the standards it dominates (broken) and the items for which it dominates every covering standard (lost).
CALL (meta, horizon, entries) {
  MATCH (i:Institution)-[:HOLDS]->(x:Standard {v: meta.version})
  WHERE NOT x.primary AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
    AND $as_of <= x.certificate_expiry <= horizon
    AND ($region IS NULL
         OR EXISTS { MATCH (i)-[:LOCATED_IN]->(:Region)-[:PART_OF*0..2]->(:Region {code: $region}) }
         OR EXISTS { MATCH (c:Region {level: 'county'})-[:PART_OF*0..2]->(:Region {code: $region})
                     MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i)
                     WHERE type(reach) = 'SERVES' OR i.level <> 'national' })
  RETURN x, {kind: 'certificate', standard: x.id, upstream: null, institution: i.id,
             expires: x.certificate_expiry} AS row, null AS broken, 0 AS lost_items, 0 AS lost_instruments
  UNION ALL
  MATCH (i:Institution)-[:HOLDS]->(s:Standard {v: meta.version})-[x:TRACES_TO]->(up:Standard)
  WHERE $as_of <= x.valid_until <= horizon AND coalesce(x.calibrated_on <= $as_of, true)
    AND coalesce(s.established <= $as_of, true) AND coalesce(up.established <= $as_of, true)
    AND ($region IS NULL
         OR EXISTS { MATCH (i)-[:LOCATED_IN]->(:Region)-[:PART_OF*0..2]->(:Region {code: $region}) }
         OR EXISTS { MATCH (c:Region {level: 'county'})-[:PART_OF*0..2]->(:Region {code: $region})
                     MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i)
                     WHERE type(reach) = 'SERVES' OR i.level <> 'national' })
  RETURN x, {kind: 'link', standard: s.id, upstream: up.id, institution: i.id, expires: x.valid_until} AS row,
         null AS broken, 0 AS lost_items, 0 AS lost_instruments
  UNION ALL
  UNWIND entries AS e
  UNWIND tail(e.doms) AS x
  RETURN x, null AS row, e.s.id AS broken, 0 AS lost_items, 0 AS lost_instruments
  UNION ALL
  UNWIND entries AS e
  WITH e.s AS s, e.doms AS doms
  MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)
  WITH h, t, collect(doms) AS domsets
  MATCH (h)-[reach:LOCATED_IN|SERVES]->(:Region)<-[:PART_OF*0..2]-(:Region)-[n:NEEDS]->(t)
  WHERE (type(reach) = 'SERVES' OR h.level <> 'national') AND n.count > 0
  WITH DISTINCT h, t, domsets, n
  WITH n, reduce(acc = [], d IN collect(domsets) | acc + d) AS domsets
  UNWIND reduce(acc = head(domsets), d IN tail(domsets) | [x IN acc WHERE x IN d]) AS x
  RETURN x, null AS row, null AS broken, 1 AS lost_items, n.count AS lost_instruments
}
WITH x, collect(row) AS rows, collect(broken) AS broken_standards, sum(lost_items) AS lost_items,
     sum(lost_instruments) AS lost_instruments
UNWIND rows AS row
RETURN row.kind AS kind, row.standard AS standard, row.upstream AS upstream, row.institution AS institution,
       row.expires AS expires, duration.inDays($as_of, row.expires).days AS days_left,
       broken_standards, lost_items, lost_instruments
ORDER BY expires, lost_instruments DESC, standard, upstream;
