import { Header } from './components/chrome/Header';
import { StatusBar } from './components/chrome/StatusBar';
import { HistoryPanel } from './components/history/HistoryPanel';
import { MarketsPanel } from './components/markets/MarketsPanel';
import { SensorsPanel } from './components/sensors/SensorsPanel';
import { IncidentsPanel } from './components/shared/IncidentsPanel';
import { NotesPanel } from './components/shared/NotesPanel';
import { ThresholdsPanel } from './components/shared/ThresholdsPanel';
import { TrafficPanel } from './components/traffic/TrafficPanel';

/**
 * The page. It reads no resource itself: each panel (and inside it, each number and chart) subscribes to the
 * slice it shows, so a tick of one feed re-renders only what displays it.
 */
export function App() {
  return (
    <div className="app">
      <Header />
      <main className="dashboard">
        <TrafficPanel />
        <MarketsPanel />
        <SensorsPanel />
        <ThresholdsPanel />
        <IncidentsPanel />
        <NotesPanel />
        <HistoryPanel />
      </main>
      <StatusBar />
    </div>
  );
}
