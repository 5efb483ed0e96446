#!/usr/bin/python3
"""torchvision's ResNet (torchvision/models/resnet.py, v0.14), transcribed, for the constants of
tests/models/test_resnet.cpp (torchvision is not installed here; python3-torch 1.13 is).

Prints the parameter counts of resnet18 and resnet50 (3 channels, 1000 classes, the imagenet stem:
11,689,512 and 25,557,032, torchvision's published counts), of MedMNIST's ResNet-18 (a 3x3 stride-1
conv1, no max-pool, 3 channels, 9 classes) and of the 3-D (Conv3d, BatchNorm3d) ResNet-18 and -50 with
that stem, 1 channel and 11 classes; then, after torch.manual_seed(0), a few initial weights of the
small-stem ResNet-18 and -50 (1 channel, 3 classes) and their eval-mode logits for
sin(arange(512).view(2, 1, 16, 16) / 512).

    /usr/bin/python3 reference/pytorch/resnet.py
"""
import torch
from torch import nn


def conv3x3(i, o, s=1):
    return nn.Conv2d(i, o, 3, stride=s, padding=1, bias=False)


def conv1x1(i, o, s=1):
    return nn.Conv2d(i, o, 1, stride=s, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * 4)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000, in_channels=3, small=False):
        super().__init__()
        self.inplanes = 64
        if small:  # MedMNIST's change for 28x28 inputs
            self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if small else nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet(depth, *args, **kwargs):
    return ResNet(BasicBlock, [2, 2, 2, 2], *args, **kwargs) if depth == 18 else \
        ResNet(Bottleneck, [3, 4, 6, 3], *args, **kwargs)


def count(model):
    return sum(p.numel() for p in model.parameters())


def main():
    print("resnet18", count(resnet(18)), "resnet50", count(resnet(50)))
    print("resnet18 small stem, 3 channels, 9 classes", count(resnet(18, 9, 3, True)))
    conv2d, bn2d = nn.Conv2d, nn.BatchNorm2d
    nn.Conv2d, nn.BatchNorm2d = nn.Conv3d, nn.BatchNorm3d
    print("3-D small stem, 1 channel, 11 classes: resnet18", count(resnet(18, 11, 1, True)),
          "resnet50", count(resnet(50, 11, 1, True)))
    nn.Conv2d, nn.BatchNorm2d = conv2d, bn2d
    torch.set_printoptions(precision=8)
    x = (torch.arange(2 * 16 * 16, dtype=torch.float32).view(2, 1, 16, 16) / 512).sin()
    for depth in (18, 50):
        torch.manual_seed(0)
        m = resnet(depth, 3, 1, True).eval()
        sd = m.state_dict()
        print(depth, "conv1.weight[:4]", sd["conv1.weight"].flatten()[:4])
        print(depth, "layer4.1.conv1.weight[-2:]", sd["layer4.1.conv1.weight"].flatten()[-2:])
        print(depth, "fc.weight[:2]", sd["fc.weight"].flatten()[:2], "fc.bias", sd["fc.bias"])
        with torch.no_grad():
            print(depth, "logits", m(x))


if __name__ == "__main__":
    main()
