"""Security events pushed to clients (RFC 8417 SETs over RFC 8935, back-channel logout): outbox, delivery, runner."""
