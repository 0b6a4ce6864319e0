// Bits of ChainSlot.flags (decodeState.ts): the slot's yes/no facts and the KUBE-SEP chain's comment
// count in one small integer. A big dump has ~60k slots; seven separate fields cost ~3 MB there.

/** Name is exactly kube-proxy-shaped: prefix + 16 base32 characters. */
export const SLOT_SHAPED = 1;
/** Set once the chain has been decoded as part of its group. */
export const SLOT_WALKED = 2;
/** kube-proxy's hairpin rule `-s <ip> -j KUBE-MARK-MASQ` is present (checks/catalog/hairpinIptables.ts). */
export const SLOT_HAIRPIN = 4;
/** endpointOf has counted the rules into DecodeState.endpointRules / endpointComments. */
export const SLOT_COUNTED = 8;
/** KUBE-SEP name checked against its owner's hash identity: as kube-proxy names it / misnamed. */
export const SLOT_NAME_OK = 16;
export const SLOT_NAME_BAD = 32;
/** flags >>> SLOT_COMMENTS_SHIFT: rules of a KUBE-SEP chain with a comment (large-cluster mode drops them). */
export const SLOT_COMMENTS_SHIFT = 6;
