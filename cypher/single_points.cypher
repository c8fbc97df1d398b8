// single_points.cypher — single points of failure at $as_of: traceable standards whose failure alone
// uncovers demand, ranked by instruments lost.
// Returns: standard, name, institution, level, broken_standards (downstream standards whose chains
// would break), lost_items, lost_instruments. A standard x breaks a downstream standard d when d has no
// valid path to a primary standard that avoids x; an item is lost when no standard other than x that
// keeps such a path covers it.
// :param as_of => date('2026-01-01')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (x:Standard {v: meta.version})
WHERE x.status = 'in_service' AND (x.primary OR x.certificate_expiry >= $as_of)
  AND EXISTS {
    MATCH (x) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  }
CALL (x) {
  MATCH (d:Standard)-[:TRACES_TO*1..]->(x)
  WITH DISTINCT d
  WHERE d.status = 'in_service' AND (d.primary OR d.certificate_expiry >= $as_of)
    AND EXISTS {
      MATCH (d) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary
    }
    AND NOT EXISTS {
      MATCH (d) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND u <> x AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary AND p <> x
    }
  RETURN collect(d) AS broken
}
CALL (x, broken) {
  UNWIND [x] + broken AS s
  MATCH (i:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)<-[n:NEEDS]-(c:Region)
  WHERE n.count > 0
    AND EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i)
                 WHERE type(reach) = 'SERVES' OR i.level <> 'national' }
  WITH DISTINCT c, t, n
  WHERE NOT EXISTS {
    MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(j:Institution)-[:HOLDS]->(s2:Standard)
          -[:VERIFIES]->(t)
    WHERE (type(reach) = 'SERVES' OR j.level <> 'national') AND s2 <> x
      AND s2.status = 'in_service' AND (s2.primary OR s2.certificate_expiry >= $as_of)
      AND EXISTS {
        MATCH (s2) (()-[l:TRACES_TO]->(u:Standard)
                    WHERE l.valid_until >= $as_of AND u <> x AND u.status = 'in_service'
                      AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
        WHERE p.primary AND p <> x
      }
  }
  RETURN count(*) AS lost_items, coalesce(sum(n.count), 0) AS lost_instruments
}
WITH x, broken, lost_items, lost_instruments
WHERE lost_items > 0
MATCH (i:Institution)-[:HOLDS]->(x)
RETURN x.id AS standard, x.name AS name, i.id AS institution, i.level AS level,
       size(broken) AS broken_standards, lost_items, lost_instruments
ORDER BY lost_instruments DESC, lost_items DESC, standard;
