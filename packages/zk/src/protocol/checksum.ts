/**
 * RFC 1071 ones'-complement checksum over a whole ZK packet (header + data), with the checksum
 * field (bytes 2-3) counted as zero. Words are little-endian; an odd last byte is a low byte.
 */
export function zkChecksum(packet: Uint8Array): number {
  const n = packet.length;
  let sum = 0;
  // Carries are folded once at the end: 2^53 / 2^16 words is far beyond any packet size.
  for (let i = 0; i + 1 < n; i += 2) {
    if (i !== 2) sum += packet[i]! | (packet[i + 1]! << 8);
  }
  if (n & 1) sum += packet[n - 1]!;
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
