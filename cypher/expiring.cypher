// expiring.cypher — certificates and traceability links valid at $as_of that lapse within $days days,
// each with what its lapse would take down (computed like single_points.cypher, failing just that
// certificate or link).
// Returns: kind ('certificate' | 'link'), standard, upstream, institution, expires, days_left,
// broken_standards (ids), lost_items, lost_instruments; soonest first.
// :param as_of => date('2026-01-01')
// :param days => 180
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (i:Institution)-[:HOLDS]->(x:Standard {v: meta.version})
WHERE NOT x.primary AND x.status = 'in_service'
  AND $as_of <= x.certificate_expiry <= $as_of + duration({days: $days})
WITH x, i, x.certificate_expiry AS expires, EXISTS {
    MATCH (x) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  } AS traceable
CALL (x, traceable) {
  OPTIONAL MATCH (d:Standard)-[:TRACES_TO*1..]->(x)
  WITH DISTINCT d
  WHERE traceable AND d IS NOT NULL
    AND d.status = 'in_service' AND (d.primary OR d.certificate_expiry >= $as_of)
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
CALL (x, broken, traceable) {
  UNWIND CASE WHEN traceable THEN [x] + broken ELSE [] END AS s
  MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)<-[n:NEEDS]-(c:Region)
  WHERE n.count > 0
    AND EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(h)
                 WHERE type(reach) = 'SERVES' OR h.level <> 'national' }
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
RETURN 'certificate' AS kind, x.id AS standard, null AS upstream, i.id AS institution, expires,
       duration.inDays($as_of, expires).days AS days_left, [d IN broken | d.id] AS broken_standards,
       lost_items, lost_instruments
UNION ALL
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (i:Institution)-[:HOLDS]->(x:Standard {v: meta.version})-[link:TRACES_TO]->(up:Standard)
WHERE $as_of <= link.valid_until <= $as_of + duration({days: $days})
WITH x, up, link, i, link.valid_until AS expires,
     [z IN [x, up] WHERE z.status = 'in_service' AND (z.primary OR z.certificate_expiry >= $as_of)
       AND EXISTS {
         MATCH (z) (()-[l:TRACES_TO]->(u:Standard)
                    WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                      AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
         WHERE p.primary
       }] AS live
WITH x, up, link, i, expires, size(live) = 2 AS traceable
CALL (x, link, traceable) {
  OPTIONAL MATCH (d:Standard)-[:TRACES_TO*0..]->(x)
  WITH DISTINCT d
  WHERE traceable AND d IS NOT NULL
    AND d.status = 'in_service' AND (d.primary OR d.certificate_expiry >= $as_of)
    AND EXISTS {
      MATCH (d) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary
    }
    AND NOT EXISTS {
      MATCH (d) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND l <> link AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary
    }
  RETURN collect(d) AS broken
}
CALL (link, broken) {
  UNWIND broken AS s
  MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)<-[n:NEEDS]-(c:Region)
  WHERE n.count > 0
    AND EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(h)
                 WHERE type(reach) = 'SERVES' OR h.level <> 'national' }
  WITH DISTINCT c, t, n
  WHERE NOT EXISTS {
    MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(j:Institution)-[:HOLDS]->(s2:Standard)
          -[:VERIFIES]->(t)
    WHERE (type(reach) = 'SERVES' OR j.level <> 'national')
      AND s2.status = 'in_service' AND (s2.primary OR s2.certificate_expiry >= $as_of)
      AND EXISTS {
        MATCH (s2) (()-[l:TRACES_TO]->(u:Standard)
                    WHERE l.valid_until >= $as_of AND l <> link AND u.status = 'in_service'
                      AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
        WHERE p.primary
      }
  }
  RETURN count(*) AS lost_items, coalesce(sum(n.count), 0) AS lost_instruments
}
RETURN 'link' AS kind, x.id AS standard, up.id AS upstream, i.id AS institution, expires,
       duration.inDays($as_of, expires).days AS days_left, [d IN broken | d.id] AS broken_standards,
       lost_items, lost_instruments;
