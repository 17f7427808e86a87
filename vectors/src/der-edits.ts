/**
 * Structural edits of DER for negative vectors (BER length forms, trailing bytes, missing NULL
 * parameters), done with asn1js rather than by hand wherever a structure is rebuilt.
 *
 * @module
 */
import * as asn1js from 'asn1js';

/** `der` with its outermost length re-encoded in a longer (BER, non-minimal) form. */
export function longFormOuterLength(der: Uint8Array): Uint8Array {
  // A DER SEQUENCE of 256..65535 bytes starts 30 82 hi lo; 30 83 00 hi lo is the same in BER.
  if (der[0] !== 0x30 || der[1] !== 0x82) throw new Error('expected a two-byte long-form length');
  return new Uint8Array([0x30, 0x83, 0x00, ...der.subarray(2)]);
}

/** `der` followed by `extra` bytes. */
export function withTrailing(der: Uint8Array, extra: Uint8Array = new Uint8Array([0])): Uint8Array {
  return new Uint8Array([...der, ...extra]);
}

/** An RSA SPKI whose AlgorithmIdentifier omits the NULL parameters (the same key, E2EE-KEY-005). */
export function spkiWithoutNullParams(spki: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(spki).result as asn1js.Sequence;
  const [alg, key] = parsed.valueBlock.value as [asn1js.Sequence, asn1js.BitString];
  const oid = alg.valueBlock.value[0] as asn1js.ObjectIdentifier;
  const rebuilt = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid.getValue() })] }),
      new asn1js.BitString({ valueHex: key.valueBlock.valueHexView.slice().buffer }),
    ],
  });
  return new Uint8Array(rebuilt.toBER());
}
