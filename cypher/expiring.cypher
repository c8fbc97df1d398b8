// expiring.cypher — certificates and traceability links valid at $as_of that lapse within $days days,
// each with what its lapse alone would take down.
// Returns: kind ('certificate' | 'link'), standard, upstream (links only), institution, expires, days_left,
// broken_standards (ids of the standards whose chains would break), lost_items, lost_instruments.
// How: as in single_points.cypher, through dominators — the standards, and here also the expiring links,
// that every valid path from a traceable standard to a primary standard passes through.
// :param as_of => date('2026-01-01')
// :param days => 180
MATCH (meta:TracegraphMeta {name: 'current'})
WITH meta, $as_of + duration({days: $days}) AS horizon
// Collected in a subquery: with nothing traceable the certificates are still listed.
CALL (meta, horizon) {
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
  CALL (s, horizon) {
    OPTIONAL MATCH (s)-[:TRACES_TO*0..]->(:Standard)-[k:TRACES_TO]->(:Standard)
    WITH DISTINCT k
    WHERE k IS NOT NULL AND $as_of <= k.valid_until <= horizon AND NOT EXISTS {
      MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND l <> k AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary
    }
    RETURN collect(k) AS link_dominators
  }
  CALL (s) {
    OPTIONAL MATCH (h:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)<-[n:NEEDS]-(c:Region)
    WHERE n.count > 0
      AND EXISTS { MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(h)
                   WHERE type(reach) = 'SERVES' OR h.level <> 'national' }
    RETURN collect(n) AS needs
  }
  RETURN collect({s: s, doms: [s] + dominators, links: link_dominators, needs: needs}) AS entries
}
// What each failure takes down: x is a standard or an expiring link.
CALL (entries) {
  UNWIND entries AS e
  UNWIND e.needs AS n
  WITH n, collect(e.doms + e.links) AS domsets
  UNWIND reduce(acc = head(domsets), d IN tail(domsets) | [x IN acc WHERE x IN d]) AS x
  WITH x, count(*) AS lost_items, sum(n.count) AS lost_instruments
  RETURN collect({x: x, lost_items: lost_items, lost_instruments: lost_instruments}) AS lost
}
CALL (entries) {
  UNWIND entries AS e
  UNWIND tail(e.doms) + e.links AS x
  WITH x, collect(e.s.id) AS ids
  RETURN collect({x: x, ids: ids}) AS broken
}
CALL (meta, horizon) {
  MATCH (i:Institution)-[:HOLDS]->(x:Standard {v: meta.version})
  WHERE NOT x.primary AND x.status = 'in_service' AND $as_of <= x.certificate_expiry <= horizon
  RETURN 'certificate' AS kind, x AS x, x AS standard, null AS upstream, i AS institution,
         x.certificate_expiry AS expires
  UNION ALL
  MATCH (i:Institution)-[:HOLDS]->(x:Standard {v: meta.version})-[k:TRACES_TO]->(up:Standard)
  WHERE $as_of <= k.valid_until <= horizon
  RETURN 'link' AS kind, k AS x, x AS standard, up AS upstream, i AS institution, k.valid_until AS expires
}
WITH kind, standard, upstream, institution, expires,
     head([b IN broken WHERE b.x = x]) AS b, head([l IN lost WHERE l.x = x]) AS l
RETURN kind, standard.id AS standard, upstream.id AS upstream, institution.id AS institution, expires,
       duration.inDays($as_of, expires).days AS days_left,
       CASE WHEN b IS NULL THEN [] ELSE b.ids END AS broken_standards,
       coalesce(l.lost_items, 0) AS lost_items, coalesce(l.lost_instruments, 0) AS lost_instruments
ORDER BY expires, lost_instruments DESC, standard, upstream;
