-- +goose Up
-- When the kiosk's printer agent (okienko-kiosk) was last heard: on
-- connecting, on every message and on every pong. An agent kiosk not heard
-- for 90 s is offline; last_seen_at also moves with the kiosk page's
-- requests, so it cannot tell whether the agent is alive.
ALTER TABLE kiosks ADD COLUMN agent_seen_at DATETIME;

-- +goose Down
ALTER TABLE kiosks DROP COLUMN agent_seen_at;
