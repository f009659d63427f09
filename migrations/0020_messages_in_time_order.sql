-- 0020: a conversation's messages are listed by their time, then by the order they
-- were stored (`MessageStore.page`), so a sender's WhatsApp messages stored out of
-- order (batches processed side by side, late redeliveries) still read in the order
-- WhatsApp timed them. This index serves that order and its cursor; the one by `seq`
-- (0011) still serves read marks and unread counts.

CREATE INDEX messages_conversation_time_idx ON messages (tenant_id, conversation_id, created_at DESC, seq DESC);
