// The node types the host offers (from `nodes.list`) and the examples it ships.
import { create } from 'zustand';
import type { ExampleInfo } from '../../shared/api/contract';
import type { NodeDescriptor } from '../../shared/node-descriptor';

export interface CatalogState {
  descriptors: NodeDescriptor[];
  byType: ReadonlyMap<string, NodeDescriptor>;
  examples: ExampleInfo[];
  loaded: boolean;
  setDescriptors(descriptors: NodeDescriptor[]): void;
  setExamples(examples: ExampleInfo[]): void;
}

export const useCatalog = create<CatalogState>()((set) => ({
  descriptors: [],
  byType: new Map(),
  examples: [],
  loaded: false,
  setDescriptors(descriptors) {
    set({ descriptors, byType: new Map(descriptors.map((d) => [d.type, d])), loaded: true });
  },
  setExamples(examples) {
    set({ examples });
  },
}));
