/**
 * Features plug into the shell here: a tab kind (what the main area shows) and sidebar sections.
 * Each feature registers itself from its own folder, so the shell never lists features by hand.
 */
import type { ComponentType } from 'react';
import type { TabSpec } from './store';

export interface TabKind {
  component: ComponentType<{ tab: TabSpec }>;
}

export const tabKinds = new Map<string, TabKind>();
export const sidebarSections: Array<{ id: string; order: number; component: ComponentType }> = [];

export function registerTabKind(kind: string, component: ComponentType<{ tab: TabSpec }>): void {
  tabKinds.set(kind, { component });
}

export function registerSidebarSection(id: string, order: number, component: ComponentType): void {
  if (sidebarSections.some((s) => s.id === id)) return;
  sidebarSections.push({ id, order, component });
  sidebarSections.sort((a, b) => a.order - b.order);
}

/** Blocks a feature shows on the Home tab (e.g. recent tenants, failed exports). */
export const homeWidgets: Array<{ id: string; order: number; component: ComponentType }> = [];
export function registerHomeWidget(id: string, order: number, component: ComponentType): void {
  if (homeWidgets.some((w) => w.id === id)) return;
  homeWidgets.push({ id, order, component });
  homeWidgets.sort((a, b) => a.order - b.order);
}
