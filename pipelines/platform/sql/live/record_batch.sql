-- A committed live batch: what came, and what became of it (live.batches).
insert into live.batches values ($batch_id, $run_id, $source, $origin, $first_position,
                                 $last_position, $received, $duplicates, $loaded, $quarantined,
                                 $now);
