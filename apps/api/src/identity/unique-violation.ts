/**
 * The constraint a PostgreSQL unique violation (SQLSTATE 23505) names, or undefined for any other error.
 * TypeORM's QueryFailedError copies the driver's fields onto itself and also keeps `driverError`; read both.
 */
export function uniqueViolation(err: unknown): { constraint: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const code = e.code ?? e.driverError?.code;
  if (code !== '23505') return undefined;
  const constraint = e.constraint ?? e.driverError?.constraint;
  return { constraint: typeof constraint === 'string' ? constraint : '' };
}
