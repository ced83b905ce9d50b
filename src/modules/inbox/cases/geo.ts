/**
 * "Close in place": great-circle distance when both reports have coordinates, otherwise the
 * same ward and the same street words.
 */

const earthRadiusMetres = 6_371_008.8;

/** Haversine distance in metres. @example haversineMetres(51.5, -0.12, 51.5009, -0.12) // ≈ 100 */
export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusMetres * Math.asin(Math.min(1, Math.sqrt(a)));
}

export type PlaceLike = {
  lat: number | null;
  lon: number | null;
  wardCode: string | null;
  placeText: string | null;
};

export const nearbyMetres = 150;

/** Lower-case words of a street, without numbers and punctuation: "12, High St." -> "high st". */
export function streetWords(text: string | null): string {
  return (text ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The distance in metres when both have coordinates; undefined otherwise. */
export function distanceBetween(a: PlaceLike, b: PlaceLike): number | undefined {
  if (a.lat === null || a.lon === null || b.lat === null || b.lon === null) return undefined;
  return haversineMetres(a.lat, a.lon, b.lat, b.lon);
}

export function isNearby(a: PlaceLike, b: PlaceLike): boolean {
  const d = distanceBetween(a, b);
  if (d !== undefined) return d <= nearbyMetres;
  if (!a.wardCode || a.wardCode !== b.wardCode) return false;
  const sa = streetWords(a.placeText);
  const sb = streetWords(b.placeText);
  return sa.length > 0 && sb.length > 0 && (sa.includes(sb) || sb.includes(sa));
}
