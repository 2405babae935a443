import { DataSource, EntityManager } from 'typeorm';

/** Anything that runs SQL: the DataSource itself or a transaction's EntityManager. */
export type Queryable = Pick<DataSource | EntityManager, 'query'>;

/** Runs `work` in one transaction; repositories take the manager it hands out. */
export function inTransaction<T>(dataSource: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(work);
}

/** TypeORM answers DELETE/UPDATE with `[rows, rowCount]` and everything else with `rows`; this reads both. */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
