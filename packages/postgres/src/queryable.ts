import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';

/**
 * What runs a statement: a `pg` Pool, Client or PoolClient. The sender runs on
 * the one you give (`send(messages, { client })`), inside your transaction.
 */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}
