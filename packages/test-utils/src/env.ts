// Where the integration tests find the real services (the same defaults as scripts/lib.sh).
export const BASE_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/adclicks";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? "localhost:9092";
