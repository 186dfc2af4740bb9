-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d).
-- One database per service: no service reads another's tables.
CREATE DATABASE identity;
CREATE DATABASE tickets;
CREATE DATABASE notifier;
CREATE DATABASE inbound;
