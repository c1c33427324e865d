/**
 * Offers a Blob to the user as a download and returns its object URL (kept for a "download again" link; the store
 * revokes it when the same file is exported again).
 */
export function downloadBlob(blob: Blob, fileName: string): string {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  return url;
}
