// The current run's streamed metrics, larger than on the nodes: one chart per node, one line per metric.
// With a node selected, only that node's charts.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useRun } from '../store/run-store';
import { useUi } from '../store/ui-store';
import { LineChart } from './line-chart';

export function ChartsPanel() {
  const selected = useUi((s) => s.selectedNodeId);
  const nodeIds = useRun(useShallow((s) => Object.keys(s.nodes).filter((id) => s.nodes[id].series)));
  const shown = selected && nodeIds.includes(selected) ? [selected] : nodeIds;
  return (
    <div className="charts-panel" data-testid="charts-panel">
      {shown.length === 0 ? <p className="muted">Metrics that nodes stream while they run (loss, accuracy) are drawn here.</p> : null}
      {shown.map((id) => (
        <NodeCharts key={id} nodeId={id} />
      ))}
    </div>
  );
}

function NodeCharts({ nodeId }: { nodeId: string }) {
  const series = useRun((s) => s.nodes[nodeId]?.series);
  const curves = useMemo(() => Object.entries(series ?? {}).map(([name, points]) => ({ label: name, points })), [series]);
  return <LineChart title={nodeId} curves={curves} testId={`chart-${nodeId}`} />;
}
