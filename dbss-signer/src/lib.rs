//! SDK-HMAC-SHA256 request signing (placeholder; see the signer issue).
