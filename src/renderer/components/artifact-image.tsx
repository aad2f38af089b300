// An image artifact fetched from the host once per content hash and shown as a data URL.
import { useEffect, useState } from 'react';
import type { ArtifactRef } from '../../shared/values';
import { useApi } from '../api/api-context';

/** Artifacts are content-addressed, so a hash always names the same bytes and can be cached for the session. */
const urls = new Map<string, Promise<string>>();

export function ArtifactImage({ artifact, className, testId }: { artifact: ArtifactRef; className?: string; testId?: string }) {
  const api = useApi();
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    let live = true;
    let pending = urls.get(artifact.sha256);
    if (!pending) {
      pending = api.call('artifacts.read', { sha256: artifact.sha256 }).then((r) => `data:${r.mime};base64,${r.base64}`);
      pending.catch(() => urls.delete(artifact.sha256));
      urls.set(artifact.sha256, pending);
    }
    pending.then(
      (u) => live && setUrl(u),
      (e: unknown) => live && setFailed(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api, artifact.sha256]);
  if (failed) return <div className="image-failed">{`${artifact.name}: ${failed}`}</div>;
  if (!url) return <div className={`${className ?? ''} image-loading`} />;
  return <img className={className} src={url} alt={artifact.name} title={artifact.name} data-testid={testId} draggable={false} />;
}
