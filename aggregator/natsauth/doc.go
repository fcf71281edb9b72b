// Package natsauth is the aggregator's NATS authority: the operator, system
// and account keys of a decentralized-JWT NATS setup, kept in the
// aggregator's data directory (DATA/auth, mode 0700), the register of
// enrolled agents, and the self-made CA and server certificate of the
// embedded server's TLS.
//
// Every NATS client has its own identity, a user JWT signed by the account
// key and written with its nkey seed to a credentials file:
//
//   - an agent (Enroll cluster/node) may publish only to
//     esdoctor.v1.*.<cluster>.<node> and subscribe only to its private reply
//     inbox _INBOX.esdoctor.agent.<cluster>.<node>.> (where JetStream's publish
//     acknowledgements arrive): it cannot read any event, diagnosis or other
//     agent's acknowledgement, nor call the JetStream API;
//   - the aggregator (DATA/auth/aggregator.creds) is unrestricted;
//   - the CLI or another reader (DATA/auth/cli.creds) may call the query
//     API (esdoctor.v1.api.>, $SRV.>) and follow the diagnosis
//     notifications (esdoctor.v1.diagnosis.>), and nothing else.
//
// Revoke enters the agent's key in the account's revocation list and
// re-signs the account JWT; a running aggregator applies the new account
// JWT (Watch), which disconnects the revoked agent, and an aggregator
// started later loads it, so the key stays refused.
//
// Names are mapped to subject tokens by event.SubjectToken ('.' '*' '>' and
// blanks become '_'); two different names with the same token could publish
// for each other, so Enroll refuses a name whose token is already enrolled
// under another name.
package natsauth
