"""The warehouse gateway's transaction: all of a block's writes, or none of them."""

from __future__ import annotations

import pytest

from cxbridge.platform import warehouse


def test_a_transaction_commits_a_block_and_rolls_back_one_that_raises(settings):
    with warehouse.connect(settings) as con:
        con.execute("create table t (x integer)")
        with warehouse.transaction(con):
            con.execute("insert into t values (1)")
        with pytest.raises(RuntimeError, match="half-way"), warehouse.transaction(con):
            con.execute("insert into t values (2)")
            raise RuntimeError("half-way")
        assert warehouse.rows(con, "select x from t") == [(1,)]
        with warehouse.transaction(con):  # the connection is usable again
            con.execute("insert into t values (3)")
        assert warehouse.rows(con, "select x from t order by x") == [(1,), (3,)]


def test_the_tables_a_query_reads_are_its_base_tables_not_its_ctes():
    sql = """with recent as (select * from queue where score > $min)
             select r.*, i.title from recent r join incidents i using (incident_id)
             where r.incident_id in (select incident_id from care_list)
               and not exists (select 1 from recent r2 where r2.rank < r.rank)"""
    assert warehouse.tables_in(sql) == {"queue", "incidents", "care_list"}
    with pytest.raises(ValueError, match="does not parse"):
        warehouse.tables_in("select from where")
