// Offered once per start when the host kept unsaved work from an editor that did not close cleanly.
import { useEffect, useState } from 'react';
import type { AutosaveRecord } from '../../shared/api/contract';
import type { ConnectionState } from '../api/api-client';
import { useActions } from '../editor-actions';

export function RecoveryBanner({ connection }: { connection: ConnectionState }) {
  const actions = useActions();
  const [record, setRecord] = useState<AutosaveRecord | null>(null);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    if (connection !== 'open' || checked) return;
    setChecked(true);
    void actions.findRecovery().then(setRecord);
  }, [connection, checked, actions]);
  if (!record) return null;
  const name = record.graph.meta.name;
  const when = new Date(record.savedAt).toLocaleString(undefined, { hour12: false });
  return (
    <div className="recovery-banner" role="alert" data-testid="recovery-banner">
      <span>
        Unsaved work on <strong>{name}</strong> from {when} was kept{record.path ? ` (${record.path.split(/[\\/]/).pop()})` : ''}.
      </span>
      <button
        type="button"
        className="primary"
        onClick={() => {
          // Restoring replaces what is open: the usual question first if that has unsaved changes too.
          if (!actions.confirmDiscard()) return;
          actions.restoreRecovery(record);
          setRecord(null);
        }}
        data-testid="recovery-restore"
      >
        Restore
      </button>
      <button
        type="button"
        onClick={() => {
          void actions.discardRecovery();
          setRecord(null);
        }}
        data-testid="recovery-discard"
      >
        Discard
      </button>
    </div>
  );
}
