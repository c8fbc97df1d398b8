// uncovered.cypher — every demand item not covered at $as_of, with its reason, in $region (null = all).
// Returns: county, county_name, instrument_type, type_name, count, reason, standards.
// reason: 'no_standard' (no standard anywhere verifies the type), 'not_served' (some do, none of them
// serves the county), 'invalid' (some serve it, none is traceable). `standards` lists each serving
// standard with its problem: suspended / retired / expired_certificate / chain_broken, and for a broken
// chain the nearest break points {kind, standard, upstream, reason, valid_until, calibrated_on}: a link
// that does not count (reason expired_link, or not_yet_valid when calibrated after $as_of), an invalid
// upstream standard (reason not_established / suspended / retired / expired_certificate), or a valid
// non-primary standard with no link (no_upstream). A standard whose `established` date is after $as_of does not exist yet: it is listed
// nowhere. Validity of standards and links as in traceable.cypher.
// How: the traceable standards found once (as in coverage.cypher) mark the covered items; only the
// uncovered ones are then explained.
// :param as_of => date('2026-09-30')
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
CALL (meta) {
  MATCH (c:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(:InstrumentType)
  WHERE n.count > 0 AND ($region IS NULL OR EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region {code: $region}) })
  RETURN n, 0 AS covered
  UNION ALL
  MATCH (p:Standard {v: meta.version, primary: true})
  WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
  MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
               AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
  WITH DISTINCT s
  MATCH (i:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)
  WITH DISTINCT i, t
  MATCH (i)-[reach:LOCATED_IN|SERVES]->(:Region)<-[:PART_OF*0..2]-(:Region)-[n:NEEDS]->(t)
  WHERE (type(reach) = 'SERVES' OR i.level <> 'national') AND n.count > 0
  RETURN DISTINCT n, 1 AS covered
}
WITH n, max(covered) AS covered
WHERE covered = 0
WITH startNode(n) AS c, n, endNode(n) AS t
OPTIONAL MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i:Institution)-[:HOLDS]->(s:Standard)
               -[:VERIFIES]->(t)
WHERE (type(reach) = 'SERVES' OR i.level <> 'national') AND coalesce(s.established <= $as_of, true)
WITH c, n, t, collect(DISTINCT s) AS serving
CALL (t) {
  RETURN COUNT { (v:Standard)-[:VERIFIES]->(t) WHERE coalesce(v.established <= $as_of, true) } AS verifiers
}
UNWIND CASE WHEN size(serving) = 0 THEN [null] ELSE serving END AS s
CALL (s) {
  WITH s WHERE s IS NOT NULL AND s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND u.status = 'in_service' AND coalesce(u.established <= $as_of, true)
               AND (u.primary OR u.certificate_expiry >= $as_of))* (x:Standard)
  WITH DISTINCT x
  OPTIONAL MATCH (x)-[b:TRACES_TO]->(y:Standard)
  WITH x, b, y, b.valid_until >= $as_of AND coalesce(b.calibrated_on <= $as_of, true) AS link_valid,
       y.status = 'in_service' AND coalesce(y.established <= $as_of, true)
         AND (y.primary OR coalesce(y.certificate_expiry >= $as_of, false)) AS up_valid
  WHERE (b IS NULL AND NOT x.primary) OR NOT link_valid OR NOT up_valid
  RETURN collect(DISTINCT CASE
           WHEN b IS NULL THEN {kind: 'no_upstream', standard: x.id, upstream: null, reason: 'no_upstream',
                                valid_until: null, calibrated_on: null}
           WHEN NOT link_valid THEN {kind: 'expired_link', standard: x.id, upstream: y.id,
                                     reason: CASE WHEN coalesce(b.calibrated_on > $as_of, false)
                                                  THEN 'not_yet_valid' ELSE 'expired_link' END,
                                     valid_until: b.valid_until, calibrated_on: b.calibrated_on}
           ELSE {kind: 'invalid_standard', standard: y.id, upstream: null,
                 reason: CASE WHEN coalesce(y.established > $as_of, false) THEN 'not_established'
                              WHEN y.status <> 'in_service' THEN y.status
                              ELSE 'expired_certificate' END,
                 valid_until: null, calibrated_on: null}
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
