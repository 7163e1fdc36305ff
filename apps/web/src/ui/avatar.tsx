/** A user's picture, or a neutral placeholder (decorative: the name is always shown beside it). */
export function Avatar({ image, size }: { image: string | null; size: number }) {
  if (!image) return <span className="avatar avatar-placeholder" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="avatar" src={image} alt="" width={size} height={size} loading="lazy" />;
}
