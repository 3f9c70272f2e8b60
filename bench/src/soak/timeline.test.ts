import assert from 'node:assert/strict';
import { Timeline } from './timeline.ts';

describe('upstream timeline', () => {
  it('names the one state of a window, or changing when it moved during it', () => {
    let now = 0;
    const timeline = new Timeline(() => now);
    assert.equal(timeline.during(0, 10), 'up');
    now = 100;
    timeline.mark('changing');
    now = 110;
    timeline.mark('down');
    now = 200;
    timeline.mark('changing');
    now = 230;
    timeline.mark('up');
    assert.equal(timeline.during(10, 90), 'up');
    assert.equal(timeline.during(120, 190), 'down');
    assert.equal(timeline.during(90, 120), 'changing');
    assert.equal(timeline.during(105, 108), 'changing');
    assert.equal(timeline.during(190, 240), 'changing');
    assert.equal(timeline.during(240, 300), 'up');
    assert.equal(timeline.current(), 'up');
  });
});
