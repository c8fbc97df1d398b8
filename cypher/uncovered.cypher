// uncovered.cypher — every demand item not covered at $as_of, with its reason, in $region (null = all).
// Returns: county, county_name, instrument_type, type_name, count, reason, standards.
// reason: 'no_standard' (no standard anywhere verifies the type), 'not_served' (some do, none of them
// serves the county), 'invalid' (some serve it, none is traceable). `standards` lists each serving
// standard with its problem: suspended / retired / expired_certificate / chain_broken, and for a broken
// chain the nearest break points {kind, standard, upstream, reason, valid_until}.
// :param as_of => date('2026-01-01')
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (c:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(t:InstrumentType)
WHERE n.count > 0
  AND ($region IS NULL OR EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region {code: $region}) })
OPTIONAL MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i:Institution)-[:HOLDS]->(s:Standard)
               -[:VERIFIES]->(t)
WHERE type(reach) = 'SERVES' OR i.level <> 'national'
WITH c, n, t, collect(DISTINCT s) AS serving
WHERE NONE(s IN serving WHERE s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  AND EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  })
CALL (t) { RETURN COUNT { (:Standard)-[:VERIFIES]->(t) } AS verifiers }
UNWIND CASE WHEN size(serving) = 0 THEN [null] ELSE serving END AS s
CALL (s) {
  WITH s WHERE s IS NOT NULL AND s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
             WHERE l.valid_until >= $as_of AND u.status = 'in_service'
               AND (u.primary OR u.certificate_expiry >= $as_of))* (x:Standard)
  OPTIONAL MATCH (x)-[b:TRACES_TO]->(y:Standard)
  WITH x, b, y
  WHERE (b IS NULL AND NOT x.primary) OR b.valid_until < $as_of
     OR NOT (y.status = 'in_service' AND (y.primary OR y.certificate_expiry >= $as_of))
  RETURN collect(DISTINCT CASE
           WHEN b IS NULL THEN {kind: 'no_upstream', standard: x.id, upstream: null, reason: 'no_upstream',
                                valid_until: null}
           WHEN b.valid_until < $as_of THEN {kind: 'expired_link', standard: x.id, upstream: y.id,
                                             reason: 'expired_link', valid_until: b.valid_until}
           ELSE {kind: 'invalid_standard', standard: y.id, upstream: null,
                 reason: CASE WHEN y.status <> 'in_service' THEN y.status ELSE 'expired_certificate' END,
                 valid_until: null}
         END) AS breaks
}
OPTIONAL MATCH (holder:Institution)-[:HOLDS]->(s)
WITH c, n, t, verifiers, serving, collect(CASE WHEN s IS NULL THEN null ELSE {
       standard: s.id, institution: holder.id,
       problem: CASE WHEN s.status <> 'in_service' THEN s.status
                     WHEN NOT s.primary AND NOT coalesce(s.certificate_expiry >= $as_of, false)
                       THEN 'expired_certificate'
                     ELSE 'chain_broken' END,
       breaks: breaks} END) AS standards
RETURN c.code AS county, c.name AS county_name, t.code AS instrument_type, t.name AS type_name, n.count AS count,
       CASE WHEN verifiers = 0 THEN 'no_standard' WHEN size(serving) = 0 THEN 'not_served' ELSE 'invalid' END
         AS reason,
       standards
ORDER BY county, instrument_type;
