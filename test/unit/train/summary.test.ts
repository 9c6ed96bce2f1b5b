// train.summary: the exact table for a Sequential MLP and for a custom module with parameters of
// its own, frozen parameters, and that the wrapped forwards, modes and generator are put back.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "tensorgrad";
import { nn, train, type Tensor } from "tensorgrad";

test("summary of the default MLP, exactly", () => {
  const model = new nn.Sequential(
    new nn.Linear(784, 256),
    new nn.ReLU(),
    new nn.Dropout(0.2),
    new nn.Linear(256, 128),
    new nn.ReLU(),
    new nn.Dropout(0.2),
    new nn.Linear(128, 10),
  );
  assert.equal(
    train.summary(model, [784]),
    [
      "Layer (type)    Output Shape    Param #",
      "=======================================",
      "0 (Linear)      [-1, 256]       200,960",
      "1 (ReLU)        [-1, 256]             0",
      "2 (Dropout)     [-1, 256]             0",
      "3 (Linear)      [-1, 128]        32,896",
      "4 (ReLU)        [-1, 128]             0",
      "5 (Dropout)     [-1, 128]             0",
      "6 (Linear)      [-1, 10]          1,290",
      "=======================================",
      "Total params: 235,146",
      "Trainable params: 235,146",
      "Non-trainable params: 0",
    ].join("\n"),
  );
});

class Net extends nn.Module {
  fc1 = this.registerModule("fc1", new nn.Linear(4, 8));
  act = this.registerModule("act", new nn.Tanh());
  head = this.registerModule("head", new nn.Sequential(new nn.Linear(8, 3), new nn.Softmax(1)));
  scale = this.registerParameter("scale", tg.ones([3]));
  forward(x: Tensor): Tensor {
    return this.head.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

test("summary of a custom module: its own parameters, nested names, frozen counts; everything restored", () => {
  const net = new Net();
  net.fc1.freeze();
  net.train();
  const rng = tg.getRngState();
  assert.equal(
    train.summary(net, [4]),
    [
      "Layer (type)        Output Shape    Param #",
      "===========================================",
      "Net                 [-1, 3]               3",
      "fc1 (Linear)        [-1, 8]              40",
      "act (Tanh)          [-1, 8]               0",
      "head.0 (Linear)     [-1, 3]              27",
      "head.1 (Softmax)    [-1, 3]               0",
      "===========================================",
      "Total params: 70",
      "Trainable params: 30",
      "Non-trainable params: 40",
    ].join("\n"),
  );
  for (const m of net.modules()) {
    assert.equal(Object.hasOwn(m, "forward"), false, `${m.constructor.name}.forward left wrapped`);
    assert.equal(m.training, true);
  }
  assert.deepEqual(tg.getRngState(), rng);
  assert.throws(
    () => train.summary(net, [4.5]),
    /summary: inputShape must be an array of non-negative integers \(without the batch dimension\), got \[4.5\]/,
  );
});
